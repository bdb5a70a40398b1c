import { RecordType, UnionType } from '../decorators/compound-types.js';
import { AwareDateTime, Base64Bytes, DateOnly, Duration, Int, Time, UUID } from '../decorators/type-tokens.js';
import type { ValidationIssue } from '../errors/validation-error.js';
import { isDecimalToken } from './more-converters.js';
import { isModelClass, mayBeAsync } from './model.js';
import { INVALID, issue, locate, type Converter } from './scalars.js';

/**
 * Records and unions, checked as pydantic checks `dict[str, T]` and
 * `Union[A, B]`. Their parts' converters come from `inner`, so models,
 * scalars and the other tokens nest in them.
 */
export function compoundConverter(type: RecordType | UnionType, inner: (type: unknown) => Converter): Converter {
  if (type instanceof RecordType) return recordConverter(inner(type.value));
  return type.discriminator === undefined ? smartUnion(type, inner) : taggedUnion(type, inner);
}

/** A record: each value is checked at `[..., key]`; a Map is read as its entries (a handler's return value). */
function recordConverter(value: Converter): Converter {
  return (raw, loc, issues, key) => {
    const entries = raw instanceof Map ? [...raw.entries()] : isPlainObject(raw) ? Object.entries(raw) : undefined;
    if (entries === undefined) return issue(issues, 'dict_type', loc, 'Input should be a valid dictionary', raw, key);
    const here = locate(loc, key);
    const out: Record<string, unknown> = {};
    let ok = true;
    for (const [k, v] of entries) {
      const converted = value(v, here, issues, String(k));
      if (converted === INVALID) ok = false;
      // defineProperty: a key such as "__proto__" is data, not the prototype.
      else Object.defineProperty(out, String(k), { value: converted, enumerable: true, writable: true, configurable: true });
    }
    return ok ? out : INVALID;
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) && !Buffer.isBuffer(value);
}

/**
 * pydantic's name for a union member in error locations: a model's class
 * name, a scalar's core-schema name (`['query', 'q', 'int']`).
 */
function label(member: unknown): string {
  if (Array.isArray(member)) return `list[${label(member[0])}]`;
  if (member instanceof RecordType) return `dict[str,${label(member.value)}]`;
  if (member instanceof UnionType) return `union[${member.members.map(label).join(',')}]`;
  if (isDecimalToken(member)) return 'decimal';
  return SCALAR_LABELS.get(member) ?? (member as { name?: string }).name ?? String(member);
}

const SCALAR_LABELS = new Map<unknown, string>([
  [String, 'str'],
  [Int, 'int'],
  [Number, 'float'],
  [Boolean, 'bool'],
  [Date, 'datetime'],
  [AwareDateTime, 'datetime'],
  [UUID, 'uuid'],
  [DateOnly, 'date'],
  [Time, 'time'],
  [Duration, 'timedelta'],
  // pydantic's Base64Bytes is bytes with an after-validator, EncodedBytes.decode.
  [Base64Bytes, 'function-after[decode(), bytes]'],
]);

/*
 * pydantic's exactness of a member that validated (its smart mode): an exact
 * match is taken at once; otherwise the leftmost of the best matches wins.
 * FastAPI validates parsed JSON and request text as Python values, so text is
 * exact only for `str`: `"123"` is a str for `int | str`, from a body or a
 * query alike, and a number is an int. JavaScript has one number type, so a
 * number is exact for Int and Number both.
 */
const EXACT = 2;
const LAX = 0;
type Exactness = (raw: unknown) => number;

const exactAlways: Exactness = () => EXACT;
const exactNumber: Exactness = (raw) => (typeof raw === 'number' ? EXACT : LAX);
const exactBoolean: Exactness = (raw) => (typeof raw === 'boolean' ? EXACT : LAX);
const exactList: Exactness = (raw) => (Array.isArray(raw) ? EXACT : LAX);
// Dates, UUIDs, durations, decimals, bytes: read from text or numbers, a conversion (pydantic's lax); a Date or Buffer is already the value.
const exactConverted: Exactness = (raw) => (typeof raw === 'string' || typeof raw === 'number' ? LAX : EXACT);

function exactnessOf(member: unknown): Exactness {
  // A str member only ever accepts strings; a model, record or union reads an object no scalar accepts.
  if (member === String || isModelClass(member) || member instanceof RecordType || member instanceof UnionType) return exactAlways;
  if (member === Int || member === Number) return exactNumber;
  if (member === Boolean) return exactBoolean;
  if (Array.isArray(member)) return exactList;
  return exactConverted;
}

interface Member {
  name: string;
  convert: Converter;
  exactness: Exactness;
}

/**
 * pydantic's smart union. Members are tried in order; one that validates
 * exactly wins at once, else the leftmost of the best inexact matches. When
 * none validates, every member's errors are reported, each under the member's
 * name (`['body', 'pet', 'Cat', 'meow']`, `['query', 'q', 'int']`).
 *
 * Chosen when the route compiles: models only (every match exact, so the
 * first that validates wins) or with scalars, and synchronous unless a member
 * has an async constraint (class-validator's `async: true`); then members are
 * awaited one after the other, so a later member's async check never runs
 * once an earlier member matched exactly.
 */
function smartUnion(type: UnionType, inner: (type: unknown) => Converter): Converter {
  const members: Member[] = type.members.map((member) => ({ name: label(member), convert: inner(member), exactness: exactnessOf(member) }));
  if (type.members.some((member) => mayBeAsync(member))) return awaitedUnion(members);
  return type.members.every(isModelClass) ? firstValid(members) : bestMatch(members);
}

function firstValid(members: Member[]): Converter {
  return (raw, loc, issues, key) => {
    const here = locate(loc, key);
    const collected: ValidationIssue[] = [];
    for (const { name, convert } of members) {
      const attempt: ValidationIssue[] = [];
      const value = convert(raw, [...here, name], attempt);
      if (value instanceof Promise) throw new TypeError(ASYNC_UNDECLARED);
      if (value !== INVALID) return value;
      collected.push(...attempt);
    }
    issues.push(...collected);
    return INVALID;
  };
}

function bestMatch(members: Member[]): Converter {
  return (raw, loc, issues, key) => {
    const here = locate(loc, key);
    const collected: ValidationIssue[] = [];
    let best: unknown = INVALID;
    let bestExactness = -1;
    for (const { name, convert, exactness } of members) {
      const attempt: ValidationIssue[] = [];
      const value = convert(raw, [...here, name], attempt);
      if (value instanceof Promise) throw new TypeError(ASYNC_UNDECLARED);
      if (value === INVALID) {
        collected.push(...attempt);
        continue;
      }
      const score = exactness(raw);
      if (score === EXACT) return value;
      if (score > bestExactness) [best, bestExactness] = [value, score];
    }
    if (best === INVALID) issues.push(...collected);
    return best;
  };
}

/** bestMatch with each member awaited in turn; its issues are recorded when it settles. */
function awaitedUnion(members: Member[]): Converter {
  return async (raw, loc, issues, key) => {
    const here = locate(loc, key);
    const collected: ValidationIssue[] = [];
    let best: unknown = INVALID;
    let bestExactness = -1;
    for (const { name, convert, exactness } of members) {
      const attempt: ValidationIssue[] = [];
      const value = await convert(raw, [...here, name], attempt);
      if (value === INVALID) {
        collected.push(...attempt);
        continue;
      }
      const score = exactness(raw);
      if (score === EXACT) return value;
      if (score > bestExactness) [best, bestExactness] = [value, score];
    }
    if (best === INVALID) issues.push(...collected);
    return best;
  };
}

/** A list of a union with an async member (`each: true`): its items settle together, their issues in index order. */
export function awaitedList(item: Converter): Converter {
  return async (raw, loc, issues, key) => {
    if (!Array.isArray(raw)) return issue(issues, 'list_type', loc, 'Input should be a valid list', raw, key);
    const here = locate(loc, key);
    const own = raw.map((): ValidationIssue[] => []);
    const values = await Promise.all(raw.map((value, i) => item(value, here, own[i]!, i)));
    for (const found of own) issues.push(...found);
    return values.includes(INVALID) ? INVALID : values;
  };
}

// A constraint that returns a promise without saying so: class-validator's own validateSync skips only declared ones.
const ASYNC_UNDECLARED = "a union member's constraint returned a promise: declare it async (registerDecorator's or @ValidatorConstraint's `async: true`, or an `async validate`)";

/**
 * A discriminated union: the tag field picks the member, whose errors are
 * reported under the tag (`['body', 'pet', 'cat', 'meow']`); a missing or
 * unknown tag is one error, pydantic's union_tag_not_found / union_tag_invalid.
 */
function taggedUnion(type: UnionType, inner: (type: unknown) => Converter): Converter {
  const field = type.discriminator!;
  const byTag = new Map(Object.entries(type.mapping ?? {}).map(([tag, member]) => [tag, inner(member)]));
  const discriminator = `'${field}'`;
  const expected = [...byTag.keys()].map((tag) => `'${tag}'`).join(', ');
  return (raw, loc, issues, key) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      return issue(issues, 'model_attributes_type', loc, 'Input should be a valid dictionary or object to extract fields from', raw, key);
    }
    const tag = (raw as Record<string, unknown>)[field];
    if (tag === undefined) {
      issue(issues, 'union_tag_not_found', loc, `Unable to extract tag using discriminator ${discriminator}`, raw, key);
      issues[issues.length - 1]!.ctx = { discriminator };
      return INVALID;
    }
    const convert = byTag.get(String(tag));
    if (convert === undefined) {
      issue(issues, 'union_tag_invalid', loc, `Input tag '${String(tag)}' found using ${discriminator} does not match any of the expected tags: ${expected}`, raw, key);
      issues[issues.length - 1]!.ctx = { discriminator, tag: String(tag), expected_tags: expected };
      return INVALID;
    }
    return convert(raw, [...locate(loc, key), String(tag)], issues);
  };
}
