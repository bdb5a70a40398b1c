import { afterEach, describe, expect, it } from 'vitest';
import { App, BackgroundTasks, Controller, Int, Post, Query } from '@fastts/core';
import { TestClient } from '@fastts/testing';
import { defineTask, TaskQueueFullError, TaskRuntime, TasksController, type TaskHandle, type TaskRecord } from '@fastts/tasks';
import { memoryLogger, sleep, until } from './helpers.js';

// Issue 15, section 4, item 4: with no bound, 17k tasks/s accepted against 1.7k/s
// run queued 1.41 M tasks (3.3 GB) in 90 s, then the process ran out of memory
// and every task was lost. A full queue now refuses new tasks: 503 with
// Retry-After from the handler that adds one, so the client knows to come back.

let runtime: TaskRuntime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

const BOUND = 20;

/** Tasks of `queue` waiting in the backend (queued or retrying), largest count seen: measured apart from the runtime's own counters. */
function depthProbe(target: TaskRuntime, queue: string): { max: () => number } {
  const waiting = new Set<string>();
  let max = 0;
  target.backend.watch((record: TaskRecord) => {
    if (record.queue !== queue) return;
    if (record.state === 'queued' || record.state === 'retrying') waiting.add(record.id);
    else waiting.delete(record.id);
    max = Math.max(max, waiting.size);
  });
  return { max: () => max };
}

function slowApp(queue: { concurrency: number; maxQueued?: number; retryAfterSeconds?: number }) {
  const ran: number[] = [];
  const slow = defineTask(
    'slow-job',
    async (n: number) => {
      await sleep(5);
      ran.push(n);
    },
    { queue: 'slow' },
  );
  @Controller()
  class Jobs {
    @Post('/jobs', { statusCode: 202 })
    create(@Query('n', { type: Int }) n: number, tasks: BackgroundTasks) {
      return { id: tasks.addTask(slow, n).id };
    }
  }
  const logger = memoryLogger();
  const app = new App({ logger }).include(Jobs);
  const attached = new TaskRuntime({ lagThresholdMs: false, offload: 'inline', queues: { slow: queue } }).attach(app);
  app.include(new TasksController(attached));
  runtime = attached;
  return { app, runtime: attached, ran, slow, logger };
}

describe('bounded named-task queues', () => {
  it('answers 503 with Retry-After once a queue is full, runs every task it accepted, and never queues past the bound', async () => {
    const { app, runtime: tasks, ran, logger } = slowApp({ concurrency: 2, maxQueued: BOUND, retryAfterSeconds: 2 });
    const probe = depthProbe(tasks, 'slow');
    let reportedMax = 0;
    const { port } = await app.listen(0);

    const SENT = 300;
    const IN_FLIGHT = 16;
    const accepted: number[] = [];
    const rejected: { n: number; retryAfter: string | null; body: unknown }[] = [];
    const other: number[] = [];
    let next = 0;
    const sender = async () => {
      while (next < SENT) {
        const n = next++;
        const res = await fetch(`http://127.0.0.1:${port}/jobs?n=${n}`, { method: 'POST' });
        const body: unknown = await res.json();
        if (res.status === 202) accepted.push(n);
        else if (res.status === 503) rejected.push({ n, retryAfter: res.headers.get('retry-after'), body });
        else other.push(res.status);
        reportedMax = Math.max(reportedMax, tasks.queueStats()['slow']?.waiting ?? 0);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, sender));

    expect(other).toEqual([]);
    expect(accepted.length + rejected.length).toBe(SENT);
    expect(accepted.length).toBeGreaterThanOrEqual(BOUND);
    expect(rejected.length).toBeGreaterThan(0);
    for (const r of rejected) {
      expect(r.retryAfter).toBe('2');
      expect(r.body).toEqual({ detail: `task queue 'slow' is full (${BOUND} tasks waiting); try again later` });
    }

    // The drain waits for every accepted task: none is lost.
    expect(await app.close({ drainTimeoutMs: 30_000 })).toEqual({ abandoned: [] });
    expect(ran.sort((a, b) => a - b)).toEqual(accepted.sort((a, b) => a - b));
    expect(probe.max()).toBeLessThanOrEqual(BOUND);
    expect(reportedMax).toBeLessThanOrEqual(BOUND);
    expect(tasks.queueStats()['slow']).toMatchObject({ waiting: 0, running: 0, maxQueued: BOUND });
    const warnings = logger.entries.filter((e) => e.level === 'warn').map((e) => [e.msg, e.obj['queue']]);
    expect(warnings).toContainEqual(['task queue above its high-water mark', 'slow']);
    expect(warnings).toContainEqual(['task queue full; refusing new tasks', 'slow']);
  });

  it('refuses runtime.enqueue on a full queue at once, and enqueueWhenRoom waits for room instead', async () => {
    const { runtime: tasks, ran, slow } = slowApp({ concurrency: 1, maxQueued: 2 });
    const first = tasks.enqueue(slow, 1);
    tasks.enqueue(slow, 2);
    expect(tasks.queueStats()['slow']).toMatchObject({ waiting: 2, running: 0 });
    expect(() => tasks.enqueue(slow, 3)).toThrow(TaskQueueFullError);
    let queued: TaskHandle<void> | undefined;
    const waiting = tasks.enqueueWhenRoom(slow, 4).then((handle) => (queued = handle));
    await Promise.resolve();
    expect(queued).toBeUndefined();
    expect(tasks.queueStats()['slow']).toMatchObject({ waiting: 2 });
    // The first task starts (leaving the waiting list), which makes room for the fourth.
    await waiting;
    expect(first.status).toBe('running');
    expect(tasks.queueStats()['slow']).toMatchObject({ waiting: 2, running: 1 });
    await queued!.done;
    expect(ran).toEqual([1, 2, 4]);
    expect(tasks.queueStats()['slow']).toMatchObject({ waiting: 0, running: 0 });
  });

  it('serves per-queue depth at GET /tasks/stats', async () => {
    const { app, runtime: tasks, slow } = slowApp({ concurrency: 1, maxQueued: 5 });
    tasks.enqueue(slow, 1);
    tasks.enqueue(slow, 2);
    const res = await new TestClient(app, { waitForTasks: false }).get('/tasks/stats');
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({
      counts: { queued: 2 },
      queues: { slow: { waiting: 2, running: 0, maxQueued: 5, highWater: 4 } },
    });
    await until(async () => (await tasks.stats()).succeeded === 2);
  });

  it('takes the default bound of 10 000 per queue, and refuses a bound that is not a positive integer', () => {
    const tasks = new TaskRuntime({ offload: 'inline' });
    expect(tasks.queueStats()).toEqual({});
    expect(() => new TaskRuntime({ offload: 'inline', queues: { slow: { maxQueued: 0 } } })).toThrow(/maxQueued/);
    const { runtime: bounded, slow } = slowApp({ concurrency: 1 });
    bounded.enqueue(slow, 1);
    expect(bounded.queueStats()['slow']).toMatchObject({ maxQueued: 10_000, highWater: 8_000 });
    expect(new TaskQueueFullError('q', 3, 1)).toMatchObject({ status: 503, code: 'FASTTS_ERR_TASK_QUEUE_FULL', headers: { 'retry-after': '1' } });
  });
});
