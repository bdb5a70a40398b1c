import type { ValidationIssue } from '../errors/validation-error.js';
import type { Loc } from './scalars.js';

type Described = Omit<ValidationIssue, 'loc' | 'input'>;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function expected(values: unknown[]): string {
  const quoted = values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v)));
  return quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}

function enumValues(entity: unknown): unknown[] {
  const values = Object.entries(entity as Record<string, unknown>)
    // Numeric TypeScript enums map values back to names; keep the values.
    .filter(([key]) => Number.isNaN(Number(key)))
    .map(([, value]) => value);
  return values;
}

/**
 * class-validator constraint names mapped to pydantic's error types, messages
 * and context, so a 422 reads as FastAPI's would. docs/validation.md lists the
 * table; a constraint not in it becomes `value_error` with class-validator's
 * message.
 */
const MAPPED: Record<string, (constraints: unknown[], value: unknown) => Described | undefined> = {
  // Only the infinities and NaN have a pydantic type (FiniteFloat's); decimal places stay value_error.
  isNumber: (_, value) =>
    (Array.isArray(value) ? value : [value]).some((v) => typeof v === 'number' && !Number.isFinite(v))
      ? { type: 'finite_number', msg: 'Input should be a finite number' }
      : undefined,
  min: ([ge]) => ({ type: 'greater_than_equal', msg: `Input should be greater than or equal to ${ge}`, ctx: { ge } }),
  max: ([le]) => ({ type: 'less_than_equal', msg: `Input should be less than or equal to ${le}`, ctx: { le } }),
  isPositive: () => ({ type: 'greater_than', msg: 'Input should be greater than 0', ctx: { gt: 0 } }),
  isNegative: () => ({ type: 'less_than', msg: 'Input should be less than 0', ctx: { lt: 0 } }),
  minLength: ([n]) => ({ type: 'string_too_short', msg: `String should have at least ${plural(n as number, 'character')}`, ctx: { min_length: n } }),
  maxLength: ([n]) => ({ type: 'string_too_long', msg: `String should have at most ${plural(n as number, 'character')}`, ctx: { max_length: n } }),
  isNotEmpty: () => ({ type: 'string_too_short', msg: 'String should have at least 1 character', ctx: { min_length: 1 } }),
  isLength: ([min, max], value) =>
    typeof value === 'string' && value.length < (min as number)
      ? MAPPED['minLength']!([min], value)
      : MAPPED['maxLength']!([max], value),
  arrayMinSize: ([n], value) => ({
    type: 'too_short',
    msg: `List should have at least ${plural(n as number, 'item')} after validation, not ${(value as unknown[]).length}`,
    ctx: { field_type: 'List', min_length: n, actual_length: (value as unknown[]).length },
  }),
  arrayMaxSize: ([n], value) => ({
    type: 'too_long',
    msg: `List should have at most ${plural(n as number, 'item')} after validation, not ${(value as unknown[]).length}`,
    ctx: { field_type: 'List', max_length: n, actual_length: (value as unknown[]).length },
  }),
  arrayNotEmpty: (_, value) => MAPPED['arrayMinSize']!([1], value),
  matches: ([pattern]) => {
    const source = pattern instanceof RegExp ? pattern.source : String(pattern);
    return { type: 'string_pattern_mismatch', msg: `String should match pattern '${source}'`, ctx: { pattern: source } };
  },
  isEnum: ([entity]) => {
    const text = expected(enumValues(entity));
    return { type: 'enum', msg: `Input should be ${text}`, ctx: { expected: text } };
  },
  // The value is already a UUID (the field reads as pydantic's UUID): only a version can fail.
  isUuid: ([version]) => {
    const expected = Number(version);
    return Number.isInteger(expected) ? { type: 'uuid_version', msg: `UUID version ${expected} expected`, ctx: { expected_version: expected } } : undefined;
  },
  isIn: ([values]) => {
    const text = expected(values as unknown[]);
    return { type: 'enum', msg: `Input should be ${text}`, ctx: { expected: text } };
  },
};

export function constraintIssue(name: string, constraints: unknown[], value: unknown, loc: Loc, message: string): ValidationIssue {
  const mapped = MAPPED[name]?.(constraints, value);
  if (mapped) return { type: mapped.type, loc, msg: mapped.msg, input: value, ctx: mapped.ctx };
  return { type: 'value_error', loc, msg: `Value error, ${message}`, input: value, ctx: { error: message, constraint: name } };
}

/** The constraint names with a pydantic mapping, for the docs table test. */
export const mappedConstraints = Object.keys(MAPPED);
