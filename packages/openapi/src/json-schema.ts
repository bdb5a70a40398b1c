/** A JSON Schema (2020-12, OpenAPI 3.1's dialect) object. */
export type JsonSchema = { [keyword: string]: unknown };

// One key order for every schema, so documents diff cleanly and decorator order never shows.
const ORDER = [
  '$ref',
  'type',
  'format',
  'enum',
  'const',
  'minimum',
  'exclusiveMinimum',
  'maximum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'items',
  'minItems',
  'maxItems',
  'uniqueItems',
  'properties',
  'required',
  'additionalProperties',
  'minProperties',
  'not',
  'allOf',
  'anyOf',
  'title',
  'description',
  'default',
  'examples',
];
const RANK = new Map(ORDER.map((keyword, i) => [keyword, i]));

/** The same schema with its keywords in the canonical order (unknown keywords last, as they came). */
export function ordered(schema: JsonSchema): JsonSchema {
  const keys = Object.keys(schema).sort((a, b) => (RANK.get(a) ?? ORDER.length) - (RANK.get(b) ?? ORDER.length));
  return Object.fromEntries(keys.map((k) => [k, schema[k]]));
}

/** Also admits null, as pydantic writes `T | None`: `anyOf: [T, {type: null}]`. */
export function nullable(schema: JsonSchema): JsonSchema {
  // `{}` admits anything, null included.
  if (Object.keys(schema).length === 0) return schema;
  // A union (a Decimal's number-or-string) takes null as one more member, as pydantic flattens `X | None`.
  if (Object.keys(schema).length === 1 && Array.isArray(schema['anyOf'])) return { anyOf: [...schema['anyOf'], { type: 'null' }] };
  return { anyOf: [schema, { type: 'null' }] };
}
