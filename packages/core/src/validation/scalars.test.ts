import { describe, expect, it } from 'vitest';
import { Int } from '../decorators/type-tokens.js';
import type { ValidationIssue } from '../errors/validation-error.js';
import { INVALID } from './scalars.js';
import { converterFor } from './converter.js';

const run = (type: Parameters<typeof converterFor>[0], raw: unknown) => {
  const issues: ValidationIssue[] = [];
  const value = converterFor(type)(raw, ['query', 'x'], issues);
  return { value: value === INVALID ? 'INVALID' : value, types: issues.map((i) => i.type) };
};

describe('converters', () => {
  it('parses integers strictly', () => {
    expect(run(Int, '42')).toEqual({ value: 42, types: [] });
    expect(run(Int, ' -7 ')).toEqual({ value: -7, types: [] });
    expect(run(Int, '4.2')).toEqual({ value: 'INVALID', types: ['int_parsing'] });
    expect(run(Int, 'abc')).toEqual({ value: 'INVALID', types: ['int_parsing'] });
    expect(run(Int, '99999999999999999999')).toEqual({ value: 'INVALID', types: ['int_parsing'] });
    // Plain digits take a path of their own; the regex still decides everything else.
    expect(run(Int, '+5')).toEqual({ value: 5, types: [] });
    expect(run(Int, '007')).toEqual({ value: 7, types: [] });
    expect(run(Int, '999999999999999')).toEqual({ value: 999999999999999, types: [] });
    expect(run(Int, '-9007199254740991')).toEqual({ value: -9007199254740991, types: [] });
    expect(run(Int, '9007199254740993')).toEqual({ value: 'INVALID', types: ['int_parsing'] });
    for (const bad of ['', '+', '-', '+-1', '1_000', '٤٢', '1e3', '0x10']) expect(run(Int, bad)).toEqual({ value: 'INVALID', types: ['int_parsing'] });
    expect(run(Int, 4.5)).toEqual({ value: 'INVALID', types: ['int_from_float'] });
    expect(run(Int, true)).toEqual({ value: 'INVALID', types: ['int_type'] });
  });

  it('parses floats, including inf and nan as pydantic does', () => {
    expect(run(Number, '1.5e3')).toEqual({ value: 1500, types: [] });
    expect(run(Number, 'inf')).toEqual({ value: Infinity, types: [] });
    expect(run(Number, '')).toEqual({ value: 'INVALID', types: ['float_parsing'] });
    expect(run(Number, '0x10')).toEqual({ value: 'INVALID', types: ['float_parsing'] });
  });

  it('reads booleans from the words pydantic accepts', () => {
    for (const yes of ['1', 'true', 'On', 'YES', 'y', 't']) expect(run(Boolean, yes).value).toBe(true);
    for (const no of ['0', 'false', 'off', 'NO', 'n', 'f']) expect(run(Boolean, no).value).toBe(false);
    expect(run(Boolean, 'maybe').types).toEqual(['bool_parsing']);
  });

  it('converts lists item by item and points at the failing index', () => {
    const issues: ValidationIssue[] = [];
    expect(converterFor([Int])(['1', 'x', '3', 'y'], ['query', 'ids'], issues)).toBe(INVALID);
    expect(issues.map((i) => i.loc)).toEqual([
      ['query', 'ids', 1],
      ['query', 'ids', 3],
    ]);
    expect(run([Int], ['1', '2']).value).toEqual([1, 2]);
    // One occurrence of a repeatable query key, header or form field is a list of one; JSON holds lists as lists.
    expect(converterFor([String], { text: true })('single', ['query', 'x'], [])).toEqual(['single']);
    expect(run([String], 'single').types).toEqual(['list_type']);
  });

  it('refuses infinities and NaN as integers (finite_number), as pydantic does', () => {
    for (const n of [Infinity, -Infinity, NaN]) expect(run(Int, n).types).toEqual(['finite_number']);
    expect(run(Int, 1.5).types).toEqual(['int_from_float']);
  });

  it('reads datetimes from ISO text and from Unix timestamps, even in strings', () => {
    expect(run(Date, '2024-01-02T03:04:05Z').value).toEqual(new Date('2024-01-02T03:04:05Z'));
    expect(run(Date, '1700000000').value).toEqual(new Date(1700000000 * 1000));
    expect(run(Date, 1700000000).value).toEqual(new Date(1700000000 * 1000));
    expect(run(Date, 'yesterday').types).toEqual(['datetime_from_date_parsing']);
    expect(run(Date, true).types).toEqual(['datetime_type']);
  });

  it('requires strings to be strings when read from JSON', () => {
    expect(run(String, 1).types).toEqual(['string_type']);
  });
});
