import { RecordType, UnionType } from '../decorators/compound-types.js';
import { AwareDateTime, Base64Bytes, DateOnly, Duration, Int, Time, UUID } from '../decorators/type-tokens.js';
import type { ValidationIssue } from '../errors/validation-error.js';
import { isDecimalToken } from './more-converters.js';
import { isModelClass, mayBeAsync } from './model.js';
import { INVALID, issue, locate, type Converter } from './scalars.js';
import { EXACT, STRICT, better, enclosingAttempt, enterAttempt, keysIn, leaveAttempt, measureOf, report, type Measure, type Score } from './union-score.js';

/**
 * Records and unions, checked as pydantic checks `dict[str, T]` and
 * `Union[A, B]`. Their parts' converters come from `inner`, so models,
 * scalars and the other tokens nest in them. `output`: a response's value
 * (see ModelReadOptions), which a union's scoring reads as its models do.
 */
export function compoundConverter(type: RecordType | UnionType, inner: (type: unknown) => Converter, output = false): Converter {
  if (type instanceof RecordType) return recordConverter(inner(type.value));
  return type.discriminator === undefined ? smartUnion(type, inner, output) : taggedUnion(type, inner);
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

interface Member {
  name: string;
  convert: Converter;
  measure: Measure;
  /** Every member after this one is a model class (see settled). */
  modelsAfter: boolean;
}

/**
 * pydantic's smart union. Members are tried in order and scored (see
 * union-score.ts); the best wins: more fields set, then more exact, then the
 * leftmost. An exact match that sets no fields (a scalar's own type) wins at
 * once. When none validates, every member's errors are reported, each under
 * the member's name (`['body', 'pet', 'Cat', 'meow']`, `['query', 'q', 'int']`).
 *
 * Synchronous unless a member has an async constraint (class-validator's
 * `async: true`), decided when the route compiles; then members are awaited
 * one after the other and chosen the same way.
 */
function smartUnion(type: UnionType, inner: (type: unknown) => Converter, output: boolean): Converter {
  const members: Member[] = type.members.map((member, i) => ({
    name: label(member),
    convert: inner(member),
    measure: measureOf(member, output),
    modelsAfter: type.members.slice(i + 1).every(isModelClass),
  }));
  return type.members.some((member) => mayBeAsync(member)) ? awaitedUnion(members) : syncUnion(members);
}

function syncUnion(members: Member[]): Converter {
  return (raw, loc, issues, key) => {
    const enclosing = enclosingAttempt();
    const here = locate(loc, key);
    const choice: Choice = { best: INVALID, score: undefined, errors: undefined, keys: undefined };
    for (const member of members) {
      const attempt: ValidationIssue[] = [];
      const score: Score = { exactness: EXACT, fieldsSet: undefined };
      let value: unknown;
      enterAttempt(score);
      try {
        value = member.convert(raw, [...here, member.name], attempt);
      } finally {
        leaveAttempt();
      }
      if (value instanceof Promise) throw new TypeError(ASYNC_UNDECLARED);
      if (offer(choice, member, raw, value, attempt, score)) break;
    }
    return result(choice, issues, enclosing);
  };
}

/** syncUnion with each member awaited in turn; its nested unions report to it during its synchronous start. */
function awaitedUnion(members: Member[]): Converter {
  return async (raw, loc, issues, key) => {
    // Read before the first await, while the enclosing attempt is still the innermost.
    const enclosing = enclosingAttempt();
    const here = locate(loc, key);
    const choice: Choice = { best: INVALID, score: undefined, errors: undefined, keys: undefined };
    for (const member of members) {
      const attempt: ValidationIssue[] = [];
      const score: Score = { exactness: EXACT, fieldsSet: undefined };
      let pending: unknown;
      enterAttempt(score);
      try {
        pending = member.convert(raw, [...here, member.name], attempt);
      } finally {
        leaveAttempt();
      }
      if (offer(choice, member, raw, await pending, attempt, score)) break;
    }
    return result(choice, issues, enclosing);
  };
}

/** One union's choice so far, among its members' outcomes offered in order. */
interface Choice {
  best: unknown;
  score: Score | undefined;
  /** The members' errors, kept until one validates. */
  errors: ValidationIssue[] | undefined;
  /** keysIn(raw), counted once when first needed. */
  keys: number | undefined;
}

/** Takes a member's outcome; true when no later member can be chosen. */
function offer(choice: Choice, member: Member, raw: unknown, value: unknown, attempt: ValidationIssue[], score: Score): boolean {
  if (value === INVALID) {
    if (choice.best === INVALID) (choice.errors ??= []).push(...attempt);
    return false;
  }
  member.measure(raw, score);
  if (score.exactness === EXACT && score.fieldsSet === undefined) {
    choice.best = value;
    choice.score = score;
    return true;
  }
  if (choice.score === undefined || better(score, choice.score)) {
    choice.best = value;
    choice.score = score;
  }
  return member.modelsAfter && settled(choice, raw);
}

/*
 * pydantic tries every member after a model matched; fastts stops once the
 * rest cannot win, so a union whose first member takes the whole input still
 * validates that member alone. A model member is at best strict and sets at
 * most one field per key of the input: when the best is strict and set a
 * field for every key, a later model can only tie, and a tie keeps the leftmost.
 */
function settled(choice: Choice, raw: unknown): boolean {
  const best = choice.score!;
  if (best.exactness < STRICT || best.fieldsSet === undefined) return false;
  choice.keys ??= keysIn(raw);
  return best.fieldsSet === choice.keys;
}

function result(choice: Choice, issues: ValidationIssue[], enclosing: Score | undefined): unknown {
  if (choice.best === INVALID) {
    issues.push(...choice.errors!);
    return INVALID;
  }
  report(enclosing, choice.score!);
  return choice.best;
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
