import { describe, expect, it } from 'vitest';
import { evaluateGoals, goalValue, type RunRecord } from '../src/harness/report.js';

describe('report', () => {
  it('prints a goal with enough decimals to show which side of the threshold it is on', () => {
    expect(goalValue({ value: 0.8988, threshold: '>= 0.90' })).toBe('0.899');
    expect(goalValue({ value: 0.9012, threshold: '>= 0.90' })).toBe('0.901');
    expect(goalValue({ value: 0.9, threshold: '>= 0.90' })).toBe('0.90');
    expect(goalValue({ value: 0.8249, threshold: '>= 0.90' })).toBe('0.82');
    expect(goalValue({ value: 1.0501, threshold: '<= 1.2' })).toBe('1.05');
    expect(goalValue({ value: 0.0995, threshold: '<= 1 ms' })).toBe('0.10');
  });

  it('checks hello-mw against fastify-mw and against fastts without middleware, round by round', () => {
    // Two rounds; fastts-mw / fastify-mw is 1.1 and 0.9 (median 1.0), fastts-mw / fastts is 0.94 and 0.96 (median 0.95).
    const rps: Record<string, [number, number]> = { raw: [100, 100], fastts: [100, 100], 'fastts-mw': [94, 96], 'fastify-mw': [94 / 1.1, 96 / 0.9] };
    const runs: RunRecord[] = Object.entries(rps).flatMap(([target, perRound]) =>
      perRound.map((value, i) => ({
        round: i + 1,
        scenario: 'hello-mw',
        target,
        position: 0,
        peakRssKiB: 50_000,
        result: { requests: value, seconds: 1, rps: value, p50Ms: 1, p90Ms: 1, p99Ms: 1, meanMs: 1, maxMs: 1, non2xx: 0, socketErrors: 0 },
      })),
    );
    const goals = evaluateGoals(runs, []).filter((g) => g.goal.includes('fastts-mw'));
    expect(goals.map((g) => [g.threshold, Number(g.value.toFixed(6)), g.met])).toEqual([
      ['>= 1.0', 1, true],
      ['>= 0.95', 0.95, true],
    ]);
  });
});
