import 'reflect-metadata';
import * as cv from 'class-validator';
import { describe, expect, it } from 'vitest';
import { compileModel, validateModel } from './model.js';
import { INVALID } from './scalars.js';

// Each built-in with a native version, the class-validator function it stands for, and its constraints.
const RULES: [string, PropertyDecorator, (value: unknown) => boolean][] = [
  ['IsNumber()', cv.IsNumber(), (v) => cv.isNumber(v)],
  ['IsNumber({ allowInfinity })', cv.IsNumber({ allowInfinity: true }), (v) => cv.isNumber(v, { allowInfinity: true })],
  ['IsNumber({ allowNaN })', cv.IsNumber({ allowNaN: true }), (v) => cv.isNumber(v, { allowNaN: true })],
  ['IsPositive', cv.IsPositive(), (v) => cv.isPositive(v)],
  ['IsNegative', cv.IsNegative(), (v) => cv.isNegative(v)],
  ['Min(3)', cv.Min(3), (v) => cv.min(v, 3)],
  ['Max(3)', cv.Max(3), (v) => cv.max(v, 3)],
  ['IsNotEmpty', cv.IsNotEmpty(), (v) => cv.isNotEmpty(v)],
  ["Equals('a')", cv.Equals('a'), (v) => cv.equals(v, 'a')],
  ["IsIn(['a', 1, NaN])", cv.IsIn(['a', 1, NaN]), (v) => cv.isIn(v, ['a', 1, NaN])],
  ["IsNotIn(['a', 1])", cv.IsNotIn(['a', 1]), (v) => cv.isNotIn(v, ['a', 1])],
  ['Length(2, 5)', cv.Length(2, 5), (v) => cv.length(v, 2, 5)],
  ['Length(3)', cv.Length(3), (v) => cv.length(v, 3)],
  ['MinLength(2)', cv.MinLength(2), (v) => cv.minLength(v, 2)],
  ['MaxLength(3)', cv.MaxLength(3), (v) => cv.maxLength(v, 3)],
];

// Strings mixing plain letters with surrogate pairs, variation selectors and lone surrogates.
function strings(): string[] {
  const parts = ['a', 'é', '😀', '\uFE0F', '\uFE0E', '\uD800', '\uDC00', 'ab', ' '];
  const out: string[] = [''];
  let seed = 7;
  for (let n = 0; n < 400; n++) {
    let s = '';
    const len = n % 8;
    for (let i = 0; i < len; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      s += parts[seed % parts.length];
    }
    out.push(s);
  }
  return out;
}

const VALUES: unknown[] = [undefined, null, true, false, 0, -0, 1, -1, 2.5, 3, 4, -3, NaN, Infinity, -Infinity, Number.MAX_VALUE, -Number.MIN_VALUE, 'a', '1', 1n, [], ['a'], {}, ...strings()];

function checksOf(decorator: PropertyDecorator) {
  class Model {
    value!: unknown;
  }
  decorator(Model.prototype, 'value');
  return compileModel(Model).fields[0]!.checks;
}

describe('native checks of class-validator built-ins', () => {
  it.each(RULES)('%s: agrees with class-validator wherever it answers', (_name, decorator, reference) => {
    const [check] = checksOf(decorator);
    expect(check?.quick).toBeTypeOf('function');
    for (const value of VALUES) {
      const quick = check!.quick!(value);
      // It defers only on strings with a code unit class-validator may count specially.
      if (quick === undefined) expect(typeof value === 'string' && /[\uD800-\uFFFF]/.test(value)).toBe(true);
      else expect([value, quick]).toEqual([value, reference(value)]);
    }
  });

  it('leaves a string with surrogate pairs to class-validator, which counts a pair as one character', () => {
    class Name {
      @cv.Length(1, 2)
      name!: string;
    }
    const plan = compileModel(Name);
    expect(plan.fields[0]!.checks[0]!.quick!('😀😀')).toBeUndefined();
    const issues: unknown[] = [];
    expect(validateModel(plan, { name: '😀😀' }, ['body'], issues as never)).toEqual({ name: '😀😀' });
    expect(validateModel(plan, { name: 'abc' }, ['body'], issues as never)).toBe(INVALID);
    expect(issues).toMatchObject([{ type: 'string_too_long', loc: ['body', 'name'], input: 'abc' }]);
  });

  it('keeps a custom constraint registered under a built-in name, whose rule differs', () => {
    class Odd {
      value!: number;
    }
    cv.registerDecorator({
      name: 'isPositive',
      target: Odd,
      propertyName: 'value',
      validator: { validate: (value: unknown) => typeof value === 'number' && value % 2 === 1 },
    });
    const plan = compileModel(Odd);
    expect(plan.fields[0]!.checks[0]!.quick).toBeUndefined();
    expect(validateModel(plan, { value: 3 }, ['body'], [])).toEqual({ value: 3 });
    expect(validateModel(plan, { value: 4 }, ['body'], [])).toBe(INVALID);
  });
});
