import { describe, expect, it } from 'vitest';
import { goalValue } from '../src/harness/report.js';

describe('report', () => {
  it('prints a goal with enough decimals to show which side of the threshold it is on', () => {
    expect(goalValue({ value: 0.8988, threshold: '>= 0.90' })).toBe('0.899');
    expect(goalValue({ value: 0.9012, threshold: '>= 0.90' })).toBe('0.901');
    expect(goalValue({ value: 0.9, threshold: '>= 0.90' })).toBe('0.90');
    expect(goalValue({ value: 0.8249, threshold: '>= 0.90' })).toBe('0.82');
    expect(goalValue({ value: 1.0501, threshold: '<= 1.2' })).toBe('1.05');
    expect(goalValue({ value: 0.0995, threshold: '<= 1 ms' })).toBe('0.10');
  });
});
