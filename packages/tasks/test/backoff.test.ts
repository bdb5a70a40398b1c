import { describe, expect, it } from 'vitest';
import { backoffDelay, TaskSetupError } from '@fastts/tasks';
import { resolveBackoff } from '../src/backoff.js';

describe('backoffDelay', () => {
  it('waits the same delay every time when fixed', () => {
    const fixed = resolveBackoff({ type: 'fixed', delayMs: 200, jitter: false });
    expect([1, 2, 3, 4].map((n) => backoffDelay(fixed, n))).toEqual([200, 200, 200, 200]);
  });

  it('doubles the delay after each failed attempt when exponential, up to maxDelayMs', () => {
    const exponential = resolveBackoff({ type: 'exponential', delayMs: 100, maxDelayMs: 1000, jitter: false });
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(exponential, n))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('keeps jitter between half the delay and the whole delay', () => {
    const jittered = resolveBackoff({ type: 'exponential', delayMs: 100, jitter: true });
    expect(backoffDelay(jittered, 3, () => 0)).toBe(200);
    expect(backoffDelay(jittered, 3, () => 0.5)).toBe(300);
    expect(backoffDelay(jittered, 3, () => 0.999999)).toBeCloseTo(400, 3);
  });

  it('defaults to exponential from 1 s with jitter, capped at 60 s', () => {
    expect(resolveBackoff(undefined)).toEqual({ type: 'exponential', delayMs: 1000, maxDelayMs: 60_000, jitter: true });
  });

  it('refuses negative delays and unknown types', () => {
    expect(() => resolveBackoff({ delayMs: -1 })).toThrow(TaskSetupError);
    expect(() => resolveBackoff({ type: 'linear' as 'fixed' })).toThrow(TaskSetupError);
  });
});
