import type { ValidationIssue } from '../errors/validation-error.js';
import { Int, type TypeToken } from '../decorators/type-tokens.js';

/** Returned by a converter that has recorded an issue. */
export const INVALID: unique symbol = Symbol('invalid');

export type Loc = (string | number)[];

/**
 * Turns a raw value into the declared type, or records an issue and returns
 * INVALID. `text` converters read strings from the URL, headers and cookies;
 * `json` converters read values already parsed from a JSON body.
 *
 * The value's location is `loc`, followed by `key` when one is given: a model
 * passes each field's name and a list each index, so the location of a field
 * is built only when it has an issue (or holds a nested model or list).
 */
export type Converter = (raw: unknown, loc: Loc, issues: ValidationIssue[], key?: string | number) => unknown;

/** `loc` followed by `key`, when there is one. */
export const locate = (loc: Loc, key: string | number | undefined): Loc => (key === undefined ? loc : [...loc, key]);

// Pydantic's messages, so 422 bodies read the same as FastAPI's.
export const issue = (issues: ValidationIssue[], type: string, loc: Loc, msg: string, input: unknown, key?: string | number): typeof INVALID => {
  issues.push({ type, loc: locate(loc, key), msg, input });
  return INVALID;
};

const INT_TEXT = /^\s*[+-]?\d+\s*$/;
const FLOAT_TEXT = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?\s*$|^\s*[+-]?(?:inf|infinity|nan)\s*$/i;
const TRUE = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const FALSE = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

/**
 * An optional sign and 1 to 15 ASCII digits: the usual path or query integer,
 * safe by its length, checked without running INT_TEXT. Anything else (spaces,
 * long numbers, other digits) goes through the regex.
 */
function plainDigits(text: string): boolean {
  const n = text.length;
  let i = n > 1 && (text.charCodeAt(0) === 43 || text.charCodeAt(0) === 45) ? 1 : 0;
  if (n === i || n - i > 15) return false;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function toFloat(text: string): number {
  const t = text.trim().toLowerCase().replace(/^\+/, '');
  if (t === 'inf' || t === 'infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (t === 'nan' || t === '-nan') return NaN;
  return Number(t);
}

const string: Converter = (raw, loc, issues, key) =>
  typeof raw === 'string' ? raw : issue(issues, 'string_type', loc, 'Input should be a valid string', raw, key);

const int: Converter = (raw, loc, issues, key) => {
  if (typeof raw === 'number') {
    if (Number.isInteger(raw)) return raw;
    // JSON's 1e999 parses to Infinity; pydantic refuses infinities and NaN as integers this way.
    if (!Number.isFinite(raw)) return issue(issues, 'finite_number', loc, 'Input should be a finite number', raw, key);
    return issue(issues, 'int_from_float', loc, 'Input should be a valid integer, got a number with a fractional part', raw, key);
  }
  if (typeof raw === 'string') {
    if (plainDigits(raw)) return Number(raw);
    if (INT_TEXT.test(raw)) {
      const n = Number(raw);
      if (Number.isSafeInteger(n)) return n;
    }
    return issue(issues, 'int_parsing', loc, 'Input should be a valid integer, unable to parse string as an integer', raw, key);
  }
  return issue(issues, 'int_type', loc, 'Input should be a valid integer', raw, key);
};

const float: Converter = (raw, loc, issues, key) => {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string') {
    if (FLOAT_TEXT.test(raw)) return toFloat(raw);
    return issue(issues, 'float_parsing', loc, 'Input should be a valid number, unable to parse string as a number', raw, key);
  }
  return issue(issues, 'float_type', loc, 'Input should be a valid number', raw, key);
};

const bool: Converter = (raw, loc, issues, key) => {
  if (typeof raw === 'boolean') return raw;
  if (raw === 0 || raw === 1) return raw === 1;
  if (typeof raw === 'string') {
    const t = raw.trim().toLowerCase();
    if (TRUE.has(t)) return true;
    if (FALSE.has(t)) return false;
    return issue(issues, 'bool_parsing', loc, 'Input should be a valid boolean, unable to interpret input', raw, key);
  }
  return issue(issues, 'bool_type', loc, 'Input should be a valid boolean', raw, key);
};

export const anything: Converter = (raw) => raw;

/**
 * A list of `item`s. With `text` (the URL, headers, a form), one occurrence of
 * a repeatable key is a string and reads as a list of one, as in FastAPI; a
 * JSON body holds lists as lists, so a string there is `list_type`, as in
 * pydantic. A Set (a handler's return value checked by a response model) is
 * read as a list, as pydantic validates a set into a list field.
 */
export function list(item: Converter, text = false): Converter {
  return (raw, loc, issues, key) => {
    const values = Array.isArray(raw) ? raw : text && typeof raw === 'string' ? [raw] : raw instanceof Set ? [...raw] : undefined;
    if (values === undefined) return issue(issues, 'list_type', loc, 'Input should be a valid list', raw, key);
    const here = locate(loc, key);
    const out = new Array(values.length);
    let ok = true;
    for (let i = 0; i < values.length; i++) {
      const v = item(values[i], here, issues, i);
      if (v === INVALID) ok = false;
      else out[i] = v;
    }
    return ok ? out : INVALID;
  };
}

export { string, int, float, bool };
