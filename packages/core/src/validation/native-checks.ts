/**
 * Plain-JS versions of class-validator's most used built-in constraints, so
 * a valid value is checked without building class-validator's arguments
 * object or calling into validator.js.
 *
 * A native check answers `true` or `false` where it is certain to agree with
 * class-validator, and `undefined` where class-validator must decide (a
 * string with surrogate pairs or variation selectors, for the length rules).
 * Before one is used, it is compared with the constraint it replaces on a set
 * of probe values: a custom constraint registered under a built-in's name, or
 * a class-validator release that changed a rule, keeps the constraint itself.
 */
export type NativeCheck = (value: unknown) => boolean | undefined;

type Builder = (constraints: unknown[]) => NativeCheck | undefined;

const BUILDERS: Record<string, Builder> = {
  isNumber: ([options]) => numberCheck(options),
  isPositive: () => (v) => typeof v === 'number' && v > 0,
  isNegative: () => (v) => typeof v === 'number' && v < 0,
  min: ([bound]) => (v) => typeof v === 'number' && typeof bound === 'number' && v >= bound,
  max: ([bound]) => (v) => typeof v === 'number' && typeof bound === 'number' && v <= bound,
  isNotEmpty: () => (v) => v !== '' && v !== null && v !== undefined,
  equals: ([expected]) => (v) => v === expected,
  isIn: ([allowed]) => (Array.isArray(allowed) ? (v) => oneOf(allowed, v) : () => false),
  isNotIn: ([denied]) => (Array.isArray(denied) ? (v) => !oneOf(denied, v) : () => true),
  isLength: ([min, max]) => lengthCheck(min, max),
  minLength: ([min]) => lengthCheck(min, undefined),
  maxLength: ([max]) => lengthCheck(0, max),
};

/**
 * class-validator's isNumber: infinities and NaN only when allowed. Decimal
 * places are counted from the number's text, which is left to class-validator.
 */
function numberCheck(options: unknown): NativeCheck | undefined {
  const o = (options ?? {}) as { allowInfinity?: unknown; allowNaN?: unknown; maxDecimalPlaces?: unknown };
  if (typeof o !== 'object' || o.maxDecimalPlaces !== undefined) return undefined;
  const infinity = !!o.allowInfinity;
  const nan = !!o.allowNaN;
  return (v) => typeof v === 'number' && (Number.isFinite(v) || (Number.isNaN(v) ? nan : infinity));
}

// Strict equality, as class-validator's `some(v => v === value)` (includes() would match NaN).
function oneOf(list: unknown[], value: unknown): boolean {
  for (let i = 0; i < list.length; i++) if (list[i] === value) return true;
  return false;
}

/**
 * validator.js's isLength counts a surrogate pair, or a character followed by
 * a variation selector (U+FE0E, U+FE0F), as one. Every code unit of those is
 * at or above U+D800: a string with none has its `length` as its length, and
 * any other string is left to class-validator.
 */
function lengthCheck(minimum: unknown, max: unknown): NativeCheck {
  const min = minimum || 0;
  return (v) => {
    if (typeof v !== 'string') return false;
    for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) >= 0xd800) return undefined;
    return v.length >= (min as number) && (typeof max === 'undefined' || v.length <= (max as number));
  };
}

const PROBES: unknown[] = [
  undefined, null, true, false, 0, -0, 1, -1, 0.5, -0.5, 2, 49, 50, 51, 100, 1e9, NaN, Infinity, -Infinity,
  '', ' ', 'a', 'ab', 'abc', '0', '1', 'x'.repeat(50), 'x'.repeat(51), 'é', '😀', 'a\uFE0F', [], [1], {},
];

/**
 * The native check for a constraint, when there is one and it agrees with
 * `reference` (the constraint's own validate) on every probe and on the
 * constraint's own values.
 */
export function nativeCheck(name: string, constraints: unknown[], reference: (value: unknown) => unknown): NativeCheck | undefined {
  const build = BUILDERS[name];
  if (build === undefined) return undefined;
  const check = build(constraints);
  if (check === undefined) return undefined;
  const probes = [...PROBES, ...constraints, ...constraints.flatMap((c) => (Array.isArray(c) ? c : []))];
  for (const value of probes) {
    const mine = check(value);
    if (mine === undefined) continue;
    let theirs: unknown;
    try {
      theirs = reference(value);
    } catch {
      return undefined;
    }
    if (theirs !== mine) return undefined;
  }
  return check;
}
