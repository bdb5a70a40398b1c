import { RecordType, UnionType } from '../decorators/compound-types.js';
import { AwareDateTime, Base64Bytes, DateOnly, Duration, Time, UUID, type DecimalToken } from '../decorators/type-tokens.js';
import { base64Bytes } from './base64.js';
import { compoundConverter } from './compound.js';
import { decimalConverter } from './decimal.js';
import type { ModelReadOptions } from './model.js';
import type { Converter } from './scalars.js';
import { awareDateTime, dateOnly, duration, time } from './temporal.js';
import { uuid } from './uuid.js';

/**
 * The converter of a token from "More types" (docs/validation.md), or
 * undefined for any other type. Asked only when a route or model compiles,
 * after the common types: routes that use none of these pay nothing.
 */
export function moreConverter(type: unknown, inner: (type: unknown) => Converter, options: ModelReadOptions = {}): Converter | undefined {
  if (type === UUID) return uuid;
  if (type === DateOnly) return dateOnly;
  if (type === Time) return time;
  if (type === AwareDateTime) return awareDateTime;
  if (type === Duration) return duration;
  if (type === Base64Bytes) return base64Bytes;
  if (isDecimalToken(type)) return decimalConverter(type);
  if (type instanceof RecordType || type instanceof UnionType) return compoundConverter(type, inner, options.output === true);
  return undefined;
}

export function isDecimalToken(type: unknown): type is DecimalToken {
  return typeof type === 'object' && type !== null && (type as { name?: unknown }).name === 'Decimal' && !Array.isArray(type);
}

/**
 * The class TypeScript emits for a parameter typed as a token's value
 * (`v: string` for a UUID), so a declared `{ type }` can be checked against
 * it; undefined for records and unions, which emit Object.
 */
export function tokenDesignType(type: unknown): Function | undefined {
  if (type === UUID || type === DateOnly || type === Time || isDecimalToken(type)) return String;
  if (type === AwareDateTime) return Date;
  if (type === Duration) return Number;
  if (type === Base64Bytes) return Buffer;
  return undefined;
}
