import type * as ClassTransformer from 'class-transformer';
import { createRequire } from 'node:module';
import type { SettingType } from './env-decorator.js';

/** A text that is not of its field's type. The message never quotes the text: it may be a secret. */
export class ConversionFailure {
  constructor(readonly message: string) {}
}

const requireCjs = createRequire(import.meta.url);
const BOOLEANS: Record<string, boolean> = { true: true, false: false, 1: true, 0: false };

/**
 * The value of a variable's text for a field of `type`: numbers, booleans
 * (`true`, `false`, `1`, `0`, any case), dates, lists (comma-separated or a
 * JSON array), and objects or nested classes as JSON.
 */
export function convert(text: string, type: SettingType): unknown {
  if (Array.isArray(type)) return list(text, type[0]);
  if (type === String) return text;
  if (type === Number) {
    const n = text.trim() === '' ? NaN : Number(text);
    return Number.isNaN(n) ? new ConversionFailure('must be a number') : n;
  }
  if (type === Boolean) return BOOLEANS[text.trim().toLowerCase()] ?? new ConversionFailure('must be true, false, 1 or 0');
  if (type === Date) {
    const date = new Date(text);
    return Number.isNaN(date.getTime()) ? new ConversionFailure('must be a date') : date;
  }
  if (type === Array) return list(text, String);
  const parsed = json(text);
  if (parsed instanceof ConversionFailure || type === Object) return parsed;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return new ConversionFailure(`must be a JSON object (${type.name})`);
  // A nested class becomes an instance, so that its own rules run under @ValidateNested().
  return (requireCjs('class-transformer') as typeof ClassTransformer).plainToInstance(type as new () => object, parsed);
}

/** `a,b,c` (items trimmed, empty text is an empty list) or a JSON array; each item converted to `item`. */
function list(text: string, item: SettingType): unknown {
  const trimmed = text.trim();
  let items: unknown[];
  if (trimmed.startsWith('[')) {
    const parsed = json(trimmed);
    if (parsed instanceof ConversionFailure) return parsed;
    if (!Array.isArray(parsed)) return new ConversionFailure('must be a JSON array');
    items = parsed;
  } else {
    items = trimmed === '' ? [] : trimmed.split(',').map((part) => part.trim());
  }
  const values: unknown[] = [];
  for (const [i, value] of items.entries()) {
    // JSON items already have their type, unless the list is of something richer than JSON has.
    const converted = typeof value === 'string' && item !== String ? convert(value, item) : value;
    if (converted instanceof ConversionFailure) return new ConversionFailure(`item ${i} ${converted.message}`);
    values.push(converted);
  }
  return values;
}

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Not JSON.parse's message: on Node 20 it quotes the text.
    return new ConversionFailure('must be JSON');
  }
}
