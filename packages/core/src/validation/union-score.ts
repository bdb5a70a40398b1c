import { RecordType, UnionType } from '../decorators/compound-types.js';
import { AwareDateTime, Base64Bytes, DateOnly, Duration, Int, Time, UUID } from '../decorators/type-tokens.js';
import { compileModel, isModelClass } from './model.js';
import { isDecimalToken } from './more-converters.js';

/*
 * How well a union member that validated matches its input, as pydantic's
 * smart mode scores it (pydantic-core's union validator, 2.8 and later):
 *
 * - exactness: exact (the value's own type), strict (strict mode would have
 *   taken it) or lax (a conversion). A model built from an object is at most
 *   strict, and a field that needed a conversion makes it lax.
 * - fields set: for models, the fields the input gave a value to, nested
 *   models' included; none for a member that met no model.
 *
 * FastAPI validates a parsed body and the request's text as Python values,
 * so text is exact only for `str`, and JavaScript's one number type is
 * exact for Int and Number both (pydantic tells `1` from `1.0`; JSON.parse
 * cannot). Validation does not report these: a member's score is read from
 * its input after it validated (measureOf), so code outside unions is
 * untouched. A union nested inside a member reports its own choice through
 * `trying`.
 */
const LAX = 0;
export const STRICT = 1;
export const EXACT = 2;

export interface Score {
  exactness: number;
  /** pydantic's fields_set_count: undefined until a model is met. */
  fieldsSet: number | undefined;
}

/** Adds what validating `raw` as a type tells about the match to `into`. */
export type Measure = (raw: unknown, into: Score) => void;

/** Lowers `into` to `exactness` (pydantic's floor_exactness). */
function floor(into: Score, exactness: number): void {
  if (exactness < into.exactness) into.exactness = exactness;
}

/**
 * Whether `next` is a better match than `best`: more fields set when both
 * count fields, else (or on a tie) more exact. Equals keep the leftmost.
 */
export function better(next: Score, best: Score): boolean {
  if (next.fieldsSet !== undefined && best.fieldsSet !== undefined && next.fieldsSet !== best.fieldsSet) return next.fieldsSet > best.fieldsSet;
  return next.exactness > best.exactness;
}

/*
 * The scores of the union members being tried now, innermost last. A union
 * inside a member (a model's field, a list's item) adds its chosen member's
 * score to the enclosing one, as pydantic's state carries it up. Pushed and
 * popped around a member's synchronous converter call; an awaited union
 * reads its enclosing score before its first await.
 */
const trying: Score[] = [];

export function enterAttempt(score: Score): void {
  trying.push(score);
}

export function leaveAttempt(): void {
  trying.pop();
}

export function enclosingAttempt(): Score | undefined {
  return trying[trying.length - 1];
}

/** A union's choice, reported to the member attempt it runs in, if any. */
export function report(into: Score | undefined, chosen: Score): void {
  if (into === undefined) return;
  floor(into, chosen.exactness);
  if (chosen.fieldsSet !== undefined) into.fieldsSet = (into.fieldsSet ?? 0) + chosen.fieldsSet;
}

const asIs: Measure = () => {};
const number: Measure = (raw, into) => {
  if (typeof raw !== 'number') floor(into, LAX);
};
const boolean: Measure = (raw, into) => {
  if (typeof raw !== 'boolean') floor(into, LAX);
};
// Dates, UUIDs, durations, decimals, bytes: read from text or a number, a conversion (pydantic's lax); a Date or Buffer is already the value.
const parsed: Measure = (raw, into) => {
  if (typeof raw === 'string' || typeof raw === 'number') floor(into, LAX);
};
const PARSED = new Set<unknown>([Date, AwareDateTime, UUID, DateOnly, Time, Duration, Base64Bytes]);

/**
 * The measure of a type, built once with the union that holds it. `output`:
 * a response's value, whose top-level models read inherited properties too
 * (validateModel's `output`); models inside them read own properties only.
 */
export function measureOf(type: unknown, output = false): Measure {
  if (type === Int || type === Number) return number;
  if (type === Boolean) return boolean;
  if (PARSED.has(type) || isDecimalToken(type)) return parsed;
  if (Array.isArray(type)) return listMeasure(measureOf(type[0], output));
  if (type instanceof RecordType) return recordMeasure(measureOf(type.value, output));
  // A nested union reports its choice itself; a discriminated one validates the member its tag names.
  if (type instanceof UnionType) return type.discriminator === undefined ? asIs : taggedMeasure(type, output);
  if (isModelClass(type)) return output ? modelMeasure(type, true) : modelMeasureOf(type);
  // String takes strings only; Object and untyped fields take any value as it is.
  return asIs;
}

function listMeasure(item: Measure): Measure {
  return (raw, into) => {
    if (Array.isArray(raw)) {
      for (const value of raw) item(value, into);
      return;
    }
    // A Set from a handler, or one query value read as a list: not a list as it came.
    floor(into, LAX);
    if (raw instanceof Set) for (const value of raw) item(value, into);
    else item(raw, into);
  };
}

function recordMeasure(value: Measure): Measure {
  return (raw, into) => {
    if (raw instanceof Map) floor(into, LAX);
    for (const v of raw instanceof Map ? raw.values() : Object.values(raw as object)) value(v, into);
  };
}

function taggedMeasure(type: UnionType, output: boolean): Measure {
  const field = type.discriminator!;
  const byTag = new Map(Object.entries(type.mapping ?? {}).map(([tag, member]) => [tag, measureOf(member, output)]));
  return (raw, into) => byTag.get(String((raw as Record<string, unknown>)[field]))?.(raw, into);
}

const modelMeasures = new WeakMap<Function, Measure>();

function modelMeasureOf(cls: Function): Measure {
  let measure = modelMeasures.get(cls);
  if (measure === undefined) modelMeasures.set(cls, (measure = modelMeasure(cls, false)));
  return measure;
}

/**
 * A model's measure: every field with a value in the input counts as set (a
 * union's member validated, so each was valid), as validateModel reads them;
 * a null for an optional field and a field skipped by `@ValidateIf` are
 * taken as they are. Its fields' measures are built on first use, so a model
 * may hold itself.
 */
function modelMeasure(cls: Function, output: boolean): Measure {
  let fields: { name: string; optional: boolean; conditions: ((object: unknown, value: unknown) => boolean)[]; measure: Measure }[] | undefined;
  return (raw, into) => {
    // Building a model from an object is at best strict (pydantic's ModelValidator).
    floor(into, STRICT);
    fields ??= compileModel(cls).fields.map((field) => ({ name: field.name, optional: field.optional, conditions: field.conditions, measure: measureOf(field.type) }));
    const input = raw as Record<string, unknown>;
    let set = 0;
    for (const field of fields) {
      const value = Object.hasOwn(input, field.name) || (output && field.name in input) ? input[field.name] : undefined;
      if (value === undefined) continue;
      set++;
      if (value === null && field.optional) continue;
      if (field.conditions.length > 0 && field.conditions.some((condition) => !condition(input, value))) continue;
      field.measure(value, into);
    }
    into.fieldsSet = (into.fieldsSet ?? 0) + set;
  };
}

/**
 * The keys of every object in a JSON value, nested ones included: no
 * member can set more fields than that. NaN when the value holds anything
 * but plain objects, lists and scalars (a handler's class instances).
 */
export function keysIn(raw: unknown): number {
  if (raw === null || typeof raw !== 'object') return 0;
  let keys = 0;
  if (Array.isArray(raw)) {
    for (const value of raw) keys += keysIn(value);
    return keys;
  }
  const proto = Object.getPrototypeOf(raw);
  if (proto !== Object.prototype && proto !== null) return NaN;
  for (const key in raw) {
    const value = (raw as Record<string, unknown>)[key];
    if (value !== undefined) keys += 1 + keysIn(value);
  }
  return keys;
}
