import { describe, expect, it } from 'vitest';
import { jsonErrorPosition } from './json-error.js';

describe('jsonErrorPosition', () => {
  it('points where Python\'s json module does', () => {
    expect(jsonErrorPosition('{bad')).toBe(1);
    expect(jsonErrorPosition('{"text": ')).toBe(9);
    expect(jsonErrorPosition('{"text": x}')).toBe(9);
    expect(jsonErrorPosition('[1, 2,]')).toBe(6);
    expect(jsonErrorPosition('{"a": 1} x')).toBe(9);
    expect(jsonErrorPosition('"abc')).toBe(4);
    expect(jsonErrorPosition('"a\\qb"')).toBe(2);
    expect(jsonErrorPosition('[tru]')).toBe(1);
    expect(jsonErrorPosition('')).toBe(0);
  });
});
