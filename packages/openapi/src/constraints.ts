import type { JsonSchema } from './json-schema.js';

type Rule = (constraints: unknown[], type: unknown) => JsonSchema | undefined;

/** Numeric TypeScript enums map values back to names; keep the values (as core's validation does). */
export function enumValues(entity: unknown): unknown[] {
  return Object.entries(entity as Record<string, unknown>)
    .filter(([key]) => Number.isNaN(Number(key)))
    .map(([, value]) => value);
}

/** A RegExp or a pattern string with modifiers, as JSON Schema's ECMA-262 `pattern`, if it can say the same. */
function pattern(source: unknown, modifiers: unknown): JsonSchema | undefined {
  const regex = source instanceof RegExp ? source : new RegExp(String(source), typeof modifiers === 'string' ? modifiers : undefined);
  // `pattern` has no flags: a case-insensitive or multiline pattern would document a different rule.
  if (/[imsv]/.test(regex.flags)) return undefined;
  return { pattern: regex.source };
}

/**
 * class-validator constraint names (as `describeModel` reports them) mapped to
 * JSON Schema keywords. A constraint that is not listed, or that JSON Schema
 * cannot express exactly, adds nothing: the document never claims a rule the
 * server does not check. docs/openapi.md shows this table.
 */
export const constraintRules: Record<string, Rule> = {
  min: ([n]) => ({ minimum: n }),
  max: ([n]) => ({ maximum: n }),
  isPositive: () => ({ exclusiveMinimum: 0 }),
  isNegative: () => ({ exclusiveMaximum: 0 }),
  isDivisibleBy: ([n]) => ({ multipleOf: n }),
  minLength: ([n]) => ({ minLength: n }),
  maxLength: ([n]) => ({ maxLength: n }),
  isLength: ([min, max]) => ({ ...(typeof min === 'number' ? { minLength: min } : {}), ...(typeof max === 'number' ? { maxLength: max } : {}) }),
  // isNotEmpty refuses '' (and null); for other types it has no JSON Schema equivalent.
  isNotEmpty: (_, type) => (type === String ? { minLength: 1 } : undefined),
  matches: ([source, modifiers]) => pattern(source, modifiers),
  isEmail: () => ({ format: 'email' }),
  isUrl: () => ({ format: 'uri' }),
  isUuid: () => ({ format: 'uuid' }),
  isRFC3339: () => ({ format: 'date-time' }),
  isIp: ([version]) => (String(version) === '4' ? { format: 'ipv4' } : String(version) === '6' ? { format: 'ipv6' } : undefined),
  isEnum: ([entity]) => ({ enum: enumValues(entity) }),
  isIn: ([values]) => ({ enum: [...(values as unknown[])] }),
  isNotIn: ([values]) => ({ not: { enum: [...(values as unknown[])] } }),
  equals: ([value]) => ({ const: value }),
  arrayMinSize: ([n]) => ({ minItems: n }),
  arrayMaxSize: ([n]) => ({ maxItems: n }),
  arrayNotEmpty: () => ({ minItems: 1 }),
  // With or without an identifier function, unique identifiers imply unique items.
  arrayUnique: () => ({ uniqueItems: true }),
  isNotEmptyObject: () => ({ minProperties: 1 }),
};

const LOWER_BOUNDS = new Set(['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties']);
const UPPER_BOUNDS = new Set(['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems']);

/**
 * The keywords of several constraints on one value, merged so that the
 * result does not depend on the order the decorators were written in: of two
 * bounds the stricter wins, enums intersect, and other repeated keywords
 * (two patterns, two formats) all apply through `allOf`.
 */
export function constraintKeywords(constraints: readonly { name: string; constraints: unknown[] }[], type: unknown): JsonSchema {
  const merged: JsonSchema = {};
  const repeated: JsonSchema[] = [];
  const enums: unknown[][] = [];
  for (const c of constraints) {
    const keywords = constraintRules[c.name]?.(c.constraints, type);
    if (!keywords) continue;
    for (const [keyword, value] of Object.entries(keywords)) {
      const current = merged[keyword];
      if (keyword === 'enum') enums.push(value as unknown[]);
      else if (current === undefined) merged[keyword] = value;
      else if (LOWER_BOUNDS.has(keyword)) merged[keyword] = Math.max(current as number, value as number);
      else if (UPPER_BOUNDS.has(keyword)) merged[keyword] = Math.min(current as number, value as number);
      else if (JSON.stringify(current) !== JSON.stringify(value)) repeated.push({ [keyword]: value });
    }
  }
  if (enums.length > 0) {
    // Intersect in the order of the list that sorts first, so decorator order cannot change it.
    const [first, ...rest] = [...enums].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    merged['enum'] = first!.filter((v) => rest.every((list) => list.some((w) => Object.is(v, w))));
  }
  if (repeated.length > 0) {
    // The first value of a repeated keyword stays at the top level, the rest go to allOf; sort both.
    const entries = [...repeated, ...Object.entries(merged).filter(([k]) => repeated.some((r) => k in r)).map(([k, v]) => ({ [k]: v }))];
    const all = [...new Map(entries.map((e) => [JSON.stringify(e), e])).entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, e]) => e);
    const top = new Set<string>();
    const allOf: JsonSchema[] = [];
    for (const entry of all) {
      const [keyword, value] = Object.entries(entry)[0]!;
      if (top.has(keyword)) allOf.push(entry);
      else {
        top.add(keyword);
        merged[keyword] = value;
      }
    }
    merged['allOf'] = allOf;
  }
  return merged;
}
