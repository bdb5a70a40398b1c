import { threadId } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { dependency } from '@fastts/core';
import { TestClient } from '@fastts/testing';
import { defineTask, inject, TaskSetupError, TaskTimeoutError, type TaskRuntime, type TaskRuntimeOptions } from '@fastts/tasks';
import { fail, forever, spin } from './fixtures/cpu-jobs.mjs';
import { appWith, until, type AnyHandle } from './helpers.js';

const jobs = new URL('./fixtures/cpu-jobs.mjs', import.meta.url);
const spinTask = defineTask('spin', spin, { offload: { module: jobs } });
const failTask = defineTask('fail', fail, { offload: { module: jobs }, maxAttempts: 2, backoff: { type: 'fixed', delayMs: 1, jitter: false } });
const foreverTask = defineTask('forever', forever, { offload: { module: jobs }, timeoutMs: 200 });

let runtime: TaskRuntime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

function offloading(options: TaskRuntimeOptions = {}) {
  const setup = appWith(() => undefined, { runtime: { offload: { maxThreads: 1 }, ...options } });
  runtime = setup.runtime;
  return setup;
}

/** The longest the event loop was late for a 10 ms timer while `work` ran. */
async function worstTimerDelay(work: () => Promise<unknown>): Promise<number> {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 10);
    last = now;
  }, 10);
  try {
    await work();
    // One more tick, so a block at the very end is measured too.
    await new Promise((resolve) => setTimeout(resolve, 15));
  } finally {
    clearInterval(timer);
  }
  return worst;
}

describe('offload to worker threads', () => {
  it('runs the exported function on a worker thread and hands back its result', async () => {
    offloading();
    const handle = runtime!.enqueue(spinTask, 5);
    const result = await handle.result();
    expect(result.ms).toBe(5);
    expect(result.threadId).not.toBe(threadId);
    expect(runtime!.offloadThreads).toBe(1);
  });

  it('stops the worker threads when the app closes, with no runtime.close() of its own', async () => {
    const setup = offloading();
    await runtime!.enqueue(spinTask, 1).result();
    expect(runtime!.offloadThreads).toBe(1);
    await setup.app.close();
    expect(runtime!.offloadThreads).toBe(0);
  });

  it('keeps the event loop responsive while CPU-heavy tasks run, which in-process runs do not', async () => {
    offloading();
    const offloaded = await worstTimerDelay(() => Promise.all([runtime!.enqueue(spinTask, 250).done, runtime!.enqueue(spinTask, 250).done]));
    await runtime!.close();

    const inline = appWith(() => undefined, { runtime: { offload: 'inline' } });
    runtime = inline.runtime;
    const inProcess = await worstTimerDelay(() => runtime!.enqueue(spinTask, 250).done);
    expect(inProcess).toBeGreaterThanOrEqual(240);
    // Well below a task's length: generous for a loaded machine, far from a blocked loop.
    expect(offloaded).toBeLessThan(150);
  });

  it('terminates a worker stuck past timeoutMs, and the pool goes on with a fresh thread', async () => {
    offloading();
    const stuck = runtime!.enqueue(foreverTask);
    const record = await stuck.done;
    expect(record).toMatchObject({ state: 'failed', error: { name: 'TaskTimeoutError', message: "task 'forever' timed out after 200 ms" } });
    expect((await runtime!.enqueue(spinTask, 1).result()).ms).toBe(1);
  });

  it('cancels a running offloaded task by terminating its thread', async () => {
    const setup = offloading();
    const endless = defineTask('endless', forever, { offload: { module: jobs } });
    const handle = runtime!.enqueue(endless);
    await until(() => handle.status === 'running');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await runtime!.cancel(handle.id)).toBe(true);
    expect((await handle.done).state).toBe('cancelled');
    await setup.app.backgroundIdle();
    expect((await runtime!.enqueue(spinTask, 1).result()).ms).toBe(1);
  });

  it("retries an offloaded task whose code throws, with the worker's error", async () => {
    offloading();
    const record = await runtime!.enqueue(failTask, 'corrupt image').done;
    expect(record).toMatchObject({ state: 'dead', attempts: 2, error: { message: 'corrupt image' } });
  });

  it('fails at once when the module has no such function, or is TypeScript source', async () => {
    offloading();
    const missing = defineTask('missing', spin, { offload: { module: jobs, export: 'notAFunction' } });
    const absent = await runtime!.enqueue(missing, 1).done;
    expect(absent.error).toMatchObject({ message: `${jobs.href} has no exported function 'notAFunction'`, code: 'FASTTS_ERR_TASK_NO_EXPORT' });
    const typescript = defineTask('typescript', spin, { offload: { module: new URL('./helpers.ts', import.meta.url) }, maxAttempts: 3 });
    const record = await runtime!.enqueue(typescript, 1).done;
    expect(record).toMatchObject({ state: 'failed', attempts: 1 });
    expect(record.error?.message).toContain("use offload: 'inline' in tests");
    expect(record.error?.code).toBe('FASTTS_ERR_TASK_OFFLOAD_TYPESCRIPT');
  });

  it("runs offloaded tasks in process with offload: 'inline'", async () => {
    const setup = appWith((tasks) => void tasks.addTask(spinTask, 1), { runtime: { offload: 'inline' } });
    runtime = setup.runtime;
    let handle: AnyHandle | undefined;
    runtime.backend.watch((r) => {
      if (r.state === 'succeeded') handle = { record: r } as AnyHandle;
    });
    await new TestClient(setup.app).post('/run');
    expect((handle!.record!.result as { threadId: number }).threadId).toBe(threadId);
    expect(runtime.offloadThreads).toBe(0);
  });

  it('refuses offload targets that cannot work', () => {
    expect(() => defineTask('relative', spin, { offload: { module: './jobs.js' } })).toThrow(TaskSetupError);
    expect(() => defineTask('relative', spin, { offload: { module: './jobs.js' } })).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_TASK_OPTION' }));
    expect(() => defineTask('anonymous', (ms: number) => ms, { offload: { module: jobs } })).toThrow(
      "task 'anonymous': option offload.export must be the name of the export to call (the function has none), got ''",
    );
    const getDb = dependency([], () => ({}));
    expect(() => defineTask('with-deps', inject({ db: getDb }, (_deps, ms: number) => ms), { offload: { module: jobs, export: 'spin' } })).toThrow(
      "task 'with-deps' cannot be offloaded: its dependencies live on the main thread",
    );
    expect(new TaskTimeoutError('x', 1).retryable).toBe(true);
  });
});
