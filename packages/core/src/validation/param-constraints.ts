import { enumMembers, type EnumOption, type ValueOptions } from '../decorators/params.js';
import { Int, type TypeToken } from '../decorators/type-tokens.js';
import { FastTsError } from '../errors/codes.js';
import type { ValidationIssue } from '../errors/validation-error.js';
import { converterFor } from './converter.js';
import { INVALID, list, locate, type Converter } from './scalars.js';

/**
 * The constraints of a named parameter (`Query('limit', { type: Int, ge: 1, le: 100 })`),
 * compiled once into its converter: a parameter without any keeps the plain
 * converter and costs nothing more. Each rule fails with pydantic's error
 * type, message and ctx, pointing at the raw input, so a 422 reads as
 * FastAPI's. Like pydantic, one value reports its first failing rule only;
 * the request still reports every parameter that failed.
 */

const NUMBER_RULES = ['gt', 'ge', 'lt', 'le', 'multipleOf'] as const;
const STRING_RULES = ['minLength', 'maxLength', 'pattern'] as const;
const LIST_RULES = ['minItems', 'maxItems'] as const;
const ALL_RULES = [...NUMBER_RULES, ...STRING_RULES, ...LIST_RULES, 'enum'] as const;

/** The route or dependency, and the parameter's name, for compile errors. */
export type Where = readonly [label: string, name: string];

/** A rule on one value: the test, and the issue it reports (all known when the route compiles). */
interface Rule {
  ok(value: unknown): boolean;
  type: string;
  msg: string;
  ctx: Record<string, unknown>;
}

/** Whether a parameter declares any constraint. */
export function hasConstraints(options: ValueOptions): boolean {
  return ALL_RULES.some((name) => options[name] !== undefined);
}

/**
 * The converter of a parameter with its constraints. `where` names the
 * parameter in compile errors: a rule that cannot apply to the type, a bad
 * bound, an invalid pattern.
 */
export function constrainedConverter(type: TypeToken, options: ValueOptions, text: boolean, where: Where): Converter {
  const convert = converterFor(type, { text });
  if (!hasConstraints(options)) return convert;
  const many = Array.isArray(type);
  const item = (many ? type[0] : type) as unknown;
  const numeric = item === Number || item === Int;
  if (!numeric && item !== String) {
    const used = ALL_RULES.filter((name) => options[name] !== undefined);
    throw constraintError(where, `${used.join(', ')} cannot apply to a value of type ${tokenName(type)}; constraints apply to String, Number, Int and lists of them (a model's fields take class-validator decorators)`);
  }
  for (const name of NUMBER_RULES) if (options[name] !== undefined && !numeric) throw constraintError(where, `${name} applies to numbers (Number, Int), not ${tokenName(type)}`);
  for (const name of STRING_RULES) if (options[name] !== undefined && item !== String) throw constraintError(where, `${name} applies to strings, not ${tokenName(type)}`);
  for (const name of LIST_RULES) if (options[name] !== undefined && !many) throw constraintError(where, `${name} applies to lists ({ type: [T] }), not ${tokenName(type)}; minLength and maxLength bound a string`);
  const rules = valueRules(options, item, where);
  if (!many) return rules.length === 0 ? convert : checked(convert, rules);
  const items = rules.length === 0 ? converterFor(item as TypeToken, { text }) : checked(converterFor(item as TypeToken, { text }), rules);
  return listWithLength(list(items, text), options, text, where);
}

/** For parameters that take no constraint (files): any given is a compile error. */
export function refuseConstraints(type: unknown, options: ValueOptions, where: Where): void {
  const used = ALL_RULES.filter((name) => options[name] !== undefined);
  if (used.length > 0) throw constraintError(where, `${used.join(', ')} cannot apply to a value of type ${tokenName(type)}`);
}

function valueRules(options: ValueOptions, item: unknown, where: Where): Rule[] {
  const rules: Rule[] = [];
  if (options.enum !== undefined) rules.push(enumRule(options.enum, item, where));
  // pydantic's order for numbers: multiple_of, le, lt, ge, gt; the first that fails is reported.
  const multipleOf = bound(options, 'multipleOf', where);
  if (multipleOf !== undefined) {
    if (multipleOf <= 0) throw constraintError(where, `multipleOf must be greater than 0, got ${multipleOf}`);
    const ok =
      item === Int
        ? (v: unknown) => (v as number) % multipleOf === 0
        : // pydantic's float check: off by at most 1e-9 from the nearest multiple.
          (v: unknown) => !(Math.abs((v as number) - Math.round((v as number) / multipleOf) * multipleOf) > 1e-9);
    rules.push({ ok, type: 'multiple_of', msg: `Input should be a multiple of ${multipleOf}`, ctx: { multiple_of: multipleOf } });
  }
  // Written as negations of the failure, so NaN ("nan" is a valid float) fails every bound, as in pydantic.
  const le = bound(options, 'le', where);
  if (le !== undefined) rules.push({ ok: (v) => (v as number) <= le, type: 'less_than_equal', msg: `Input should be less than or equal to ${le}`, ctx: { le } });
  const lt = bound(options, 'lt', where);
  if (lt !== undefined) rules.push({ ok: (v) => (v as number) < lt, type: 'less_than', msg: `Input should be less than ${lt}`, ctx: { lt } });
  const ge = bound(options, 'ge', where);
  if (ge !== undefined) rules.push({ ok: (v) => (v as number) >= ge, type: 'greater_than_equal', msg: `Input should be greater than or equal to ${ge}`, ctx: { ge } });
  const gt = bound(options, 'gt', where);
  if (gt !== undefined) rules.push({ ok: (v) => (v as number) > gt, type: 'greater_than', msg: `Input should be greater than ${gt}`, ctx: { gt } });
  // Strings: min_length, max_length, then pattern.
  const minLength = count(options, 'minLength', where);
  if (minLength !== undefined) {
    rules.push({ ok: (v) => codePoints(v as string) >= minLength, type: 'string_too_short', msg: `String should have at least ${minLength} character${plural(minLength)}`, ctx: { min_length: minLength } });
  }
  const maxLength = count(options, 'maxLength', where);
  if (maxLength !== undefined) {
    rules.push({ ok: (v) => codePoints(v as string) <= maxLength, type: 'string_too_long', msg: `String should have at most ${maxLength} character${plural(maxLength)}`, ctx: { max_length: maxLength } });
  }
  if (options.pattern !== undefined) {
    const regex = compilePattern(options.pattern, where);
    const source = typeof options.pattern === 'string' ? options.pattern : options.pattern.source;
    rules.push({ ok: (v) => regex.test(v as string), type: 'string_pattern_mismatch', msg: `String should match pattern '${source}'`, ctx: { pattern: source } });
  }
  return rules;
}

/**
 * A TypeScript enum fails as pydantic's Enum (`enum`), a list of literals as
 * its Literal (`literal_error`); both say "Input should be 'a', 'b' or 'c'".
 * Values are compared after conversion: `[1, 2]` on an Int matches "1".
 */
function enumRule(option: EnumOption, item: unknown, where: Where): Rule {
  const values = enumMembers(option);
  if (values.length === 0) throw constraintError(where, 'enum lists no values');
  const kind = item === String ? 'string' : 'number';
  const wrong = values.find((v) => typeof v !== kind);
  if (wrong !== undefined) throw constraintError(where, `enum value ${JSON.stringify(wrong)} is not a ${kind}, as the parameter's type ${tokenName(item)} is`);
  const allowed = new Set<unknown>(values);
  const reprs = values.map(pythonRepr);
  const last = reprs.pop()!;
  const expected = reprs.length === 0 ? last : `${reprs.join(', ')} or ${last}`;
  return { ok: (v) => allowed.has(v), type: Array.isArray(option) ? 'literal_error' : 'enum', msg: `Input should be ${expected}`, ctx: { expected } };
}

/** Runs the rules after the conversion; an issue reports the raw input, as FastAPI's does. */
function checked(convert: Converter, rules: Rule[]): Converter {
  return (raw, loc, issues, key) => {
    const value = convert(raw, loc, issues, key);
    if (value === INVALID) return value;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      if (!rule.ok(value)) return fail(issues, rule.type, locate(loc, key), rule.msg, raw, rule.ctx);
    }
    return value;
  };
}

/**
 * pydantic's list bounds: more than `maxItems` is one `too_long` for the whole
 * list, before its items are looked at; fewer than `minItems` is `too_short`
 * only once every item is valid ("after validation").
 */
function listWithLength(convert: Converter, options: ValueOptions, text: boolean, where: Where): Converter {
  const minItems = count(options, 'minItems', where);
  const maxItems = count(options, 'maxItems', where);
  if (minItems === undefined && maxItems === undefined) return convert;
  return (raw, loc, issues, key) => {
    // A repeatable key sent once arrives as a string: a list of one, as the list converter reads it.
    const input = text && typeof raw === 'string' ? [raw] : raw;
    const length = Array.isArray(input) ? input.length : undefined;
    if (maxItems !== undefined && length !== undefined && length > maxItems) {
      const msg = `List should have at most ${maxItems} item${plural(maxItems)} after validation, not ${length}`;
      return fail(issues, 'too_long', locate(loc, key), msg, input, { field_type: 'List', max_length: maxItems, actual_length: length });
    }
    const value = convert(raw, loc, issues, key);
    if (value === INVALID || minItems === undefined) return value;
    const actual = (value as unknown[]).length;
    if (actual >= minItems) return value;
    const msg = `List should have at least ${minItems} item${plural(minItems)} after validation, not ${actual}`;
    return fail(issues, 'too_short', locate(loc, key), msg, input, { field_type: 'List', min_length: minItems, actual_length: actual });
  };
}

function fail(issues: ValidationIssue[], type: string, loc: (string | number)[], msg: string, input: unknown, ctx: Record<string, unknown>): typeof INVALID {
  issues.push({ type, loc, msg, input, ctx: { ...ctx } });
  return INVALID;
}

/** A string pattern is read with the `u` flag when it can be (code points, as pydantic's Rust regex); a RegExp keeps its flags, less `g` and `y`, whose `lastIndex` would make `test` stateful. */
function compilePattern(pattern: string | RegExp, where: Where): RegExp {
  if (pattern instanceof RegExp) return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  if (typeof pattern !== 'string') throw constraintError(where, `pattern must be a string or a RegExp, got ${typeof pattern}`);
  try {
    return new RegExp(pattern, 'u');
  } catch {
    // Without `u`, JavaScript accepts escapes such as `\-` that Python's re accepts too.
    try {
      return new RegExp(pattern);
    } catch (error) {
      throw new FastTsError('FASTTS_ERR_PARAM_PATTERN', where[0], where[1], pattern, (error as Error).message);
    }
  }
}

function bound(options: ValueOptions, name: (typeof NUMBER_RULES)[number], where: Where): number | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw constraintError(where, `${name} must be a finite number, got ${String(value)}`);
  return value;
}

function count(options: ValueOptions, name: 'minLength' | 'maxLength' | 'minItems' | 'maxItems', where: Where): number | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 0) throw constraintError(where, `${name} must be a whole number of 0 or more, got ${String(value)}`);
  return value;
}

function constraintError(where: Where, detail: string): FastTsError {
  return new FastTsError('FASTTS_ERR_PARAM_CONSTRAINT', where[0], where[1], detail);
}

/** Python counts a string's length in code points; a surrogate pair is one character. */
function codePoints(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

const plural = (n: number): string => (n === 1 ? '' : 's');

/** Python's `repr` of a str or a number, as pydantic writes the expected values. */
function pythonRepr(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  const escaped = value.replace(/[\\\n\r\t]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c]!);
  return quote + (quote === "'" ? escaped.replaceAll("'", "\\'") : escaped) + quote;
}

function tokenName(type: unknown): string {
  if (Array.isArray(type)) return `[${tokenName(type[0])}]`;
  return (type as { name?: string } | undefined)?.name ?? String(type);
}
