import { beforeAll, describe, expect, it } from 'vitest';
import { buildBenchmarks } from './build.js';
import { renderTasksMarkdown, summariseThroughput, type TasksReport } from '../src/tasks/report.js';
import { layouts, runLayout, type ThroughputRun } from '../src/tasks/runs.js';
import { ARGS_BYTES, taskArgs } from '../src/tasks/task.js';

// `npm run tasks` in miniature: every layout's processes start, enqueue, run
// every task and report, so the command cannot rot between runs. No numbers
// are asserted.

beforeAll(buildBenchmarks, 250_000);

describe('task throughput', () => {
  it('gives every task 1 KiB of JSON arguments', () => {
    for (const i of [0, 7, 10, 99_999, 123_456_789]) expect(JSON.stringify(taskArgs(i))).toHaveLength(ARGS_BYTES);
  });

  it('runs every task of every layout, and reports each', async () => {
    const runs: ThroughputRun[] = [];
    for (const layout of layouts) {
      const result = await runLayout(layout, 1, { tasks: 300, warmup: 50, concurrency: undefined, timeoutMs: 60_000, quietMs: 0 });
      expect(result.error).toBeUndefined();
      expect(result.perWorker).toHaveLength(Math.max(1, layout.workers));
      // Each worker counts the tasks it stored as succeeded: together, exactly the measured ones.
      expect(result.perWorker!.reduce((a, b) => a + b, 0)).toBe(300);
      expect(result.tasksPerSecond).toBeGreaterThan(0);
      runs.push(result);
    }
    const report: TasksReport = {
      generatedAt: new Date().toISOString(),
      commit: 'test',
      machine: { cpu: 'test', cores: 2, node: process.version, kernel: 'test' },
      options: { tasks: 300, warmup: 50, rounds: 1, concurrency: null, argsBytes: ARGS_BYTES },
      elapsedSeconds: 1,
      throughput: summariseThroughput(runs, layouts),
      runs,
    };
    const markdown = renderTasksMarkdown(report, layouts);
    expect(markdown).toContain('| a producer process, 2 worker processes | n/a |');
    expect(report.throughput.map((r) => r.layout)).toEqual(layouts.map((l) => l.id));
  }, 120_000);
});
