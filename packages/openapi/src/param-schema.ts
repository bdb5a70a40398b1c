import type { ValueOptions } from '@fastts/core';
import { enumValues } from './constraints.js';
import { ordered, type JsonSchema } from './json-schema.js';

/**
 * The JSON Schema keywords of a named parameter's constraints
 * (`Query('limit', { type: Int, ge: 1, le: 100 })` → `minimum: 1, maximum: 100`),
 * as pydantic writes FastAPI's `Query(ge=1, le=100)`. On a list type, the
 * value rules go to `items` and minItems/maxItems to the list. The server
 * checks exactly these (packages/core/src/validation/param-constraints.ts).
 */
export function constraintSchema(schema: JsonSchema, type: unknown, options: ValueOptions): JsonSchema {
  const values = valueKeywords(options);
  const out = { ...schema };
  if (Array.isArray(type)) {
    if (Object.keys(values).length > 0) out['items'] = ordered({ ...(out['items'] as JsonSchema), ...values });
    if (options.minItems !== undefined) out['minItems'] = options.minItems;
    if (options.maxItems !== undefined) out['maxItems'] = options.maxItems;
  } else {
    Object.assign(out, values);
  }
  return ordered(out);
}

function valueKeywords(options: ValueOptions): JsonSchema {
  const out: JsonSchema = {};
  if (options.enum !== undefined) out['enum'] = Array.isArray(options.enum) ? [...options.enum] : enumValues(options.enum);
  if (options.gt !== undefined) out['exclusiveMinimum'] = options.gt;
  if (options.ge !== undefined) out['minimum'] = options.ge;
  if (options.lt !== undefined) out['exclusiveMaximum'] = options.lt;
  if (options.le !== undefined) out['maximum'] = options.le;
  if (options.multipleOf !== undefined) out['multipleOf'] = options.multipleOf;
  if (options.minLength !== undefined) out['minLength'] = options.minLength;
  if (options.maxLength !== undefined) out['maxLength'] = options.maxLength;
  const pattern = patternSource(options.pattern);
  if (pattern !== undefined) out['pattern'] = pattern;
  return out;
}

/** `pattern` has no flags: a RegExp that is case-insensitive, multiline or dotAll would document another rule, so it is left out. */
function patternSource(pattern: string | RegExp | undefined): string | undefined {
  if (pattern === undefined) return undefined;
  if (typeof pattern === 'string') return pattern;
  return /[ims]/.test(pattern.flags) ? undefined : pattern.source;
}

/**
 * A parameter's title. A name that is not an identifier (`item-query`) is
 * what FastAPI calls an alias, titled as pydantic titles one: `str.title()`,
 * `Item-Query`. A header's name was converted from underscores, so it is
 * titled from its words, as FastAPI titles `x_token` (`X Token`).
 */
export function parameterTitle(name: string, source: string, titleCase: (name: string) => string): string {
  if (source === 'header' || /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return titleCase(name);
  return name
    .replace(/[A-Za-z]+/g, (word) => word[0]!.toUpperCase() + word.slice(1).toLowerCase())
    .replaceAll('_', ' ')
    .trim();
}
