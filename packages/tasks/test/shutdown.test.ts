import { afterEach, describe, expect, it } from 'vitest';
import { currentTask, defineTask, type TaskRuntime } from '@fastts/tasks';
import { appWith, sleep, until, type AnyHandle } from './helpers.js';

let runtime: TaskRuntime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

describe('app.close({ drainTimeoutMs })', () => {
  it('waits for handlers still running when it is called, then runs the named tasks they added (issue 15: all were lost)', async () => {
    const done: number[] = [];
    let entered = 0;
    const job = defineTask('job', async (n: number) => {
      await sleep(10);
      done.push(n);
    });
    const handles: AnyHandle[] = [];
    const setup = appWith(async (tasks) => {
      const n = entered++;
      const handle = tasks.addTask(job, n);
      handles.push(handle);
      await sleep(150);
      return { id: handle.id };
    });
    runtime = setup.runtime;
    const { port } = await setup.app.listen(0);
    const answers = Array.from({ length: 5 }, () => fetch(`http://127.0.0.1:${port}/run`, { method: 'POST' }).then((r) => r.json() as Promise<{ id: string }>));
    await until(() => entered === 5);
    const result = await setup.app.close({ drainTimeoutMs: 3_000 });
    expect(result).toEqual({ abandoned: [] });
    expect((await Promise.all(answers)).map((a) => a.id).sort()).toEqual(handles.map((h) => h.id).sort());
    expect(done.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(handles.map((h) => h.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded']);
  });

  it('lets queued and running tasks finish within the deadline', async () => {
    const done: string[] = [];
    const job = defineTask('job', async (name: string) => {
      await sleep(20);
      done.push(name);
    }, { queue: 'serial' });
    const handles: AnyHandle[] = [];
    const setup = appWith((tasks) => void handles.push(tasks.addTask(job, 'a'), tasks.addTask(job, 'b'), tasks.addTask(job, 'c')), {
      runtime: { queues: { serial: { concurrency: 1 } } },
    });
    runtime = setup.runtime;
    const { port } = await setup.app.listen(0);
    await fetch(`http://127.0.0.1:${port}/run`, { method: 'POST' });
    const result = await setup.app.close({ drainTimeoutMs: 2_000 });
    expect(result).toEqual({ abandoned: [] });
    expect(done).toEqual(['a', 'b', 'c']);
    expect(handles.map((h) => h.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  it('at the deadline aborts running tasks, cancels queued ones (which never start) and names them all', async () => {
    const started: string[] = [];
    const signals = new Map<string, AbortSignal>();
    const job = defineTask('job', async (name: string, ms: number) => {
      started.push(name);
      signals.set(name, currentTask()!.signal);
      await sleep(ms);
    }, { queue: 'serial' });
    const report = defineTask('report', () => sleep(500), { queue: 'reports' });
    const handles: AnyHandle[] = [];
    const setup = appWith(
      (tasks) => void handles.push(tasks.addTask(job, 'quick', 10), tasks.addTask(job, 'slow', 500), tasks.addTask(job, 'waiting', 10), tasks.addTask(report)),
      { runtime: { queues: { serial: { concurrency: 1 } } } },
    );
    runtime = setup.runtime;
    const { port } = await setup.app.listen(0);
    await fetch(`http://127.0.0.1:${port}/run`, { method: 'POST' });
    await until(() => started.includes('slow'));

    const begun = Date.now();
    const result = await setup.app.close({ drainTimeoutMs: 100 });
    expect(Date.now() - begun).toBeLessThan(400);
    expect(result.abandoned.sort()).toEqual(['job', 'job', 'report']);
    expect(signals.get('slow')!.aborted).toBe(true);
    expect(String(signals.get('slow')!.reason)).toContain('shutdown deadline of 100 ms passed');
    expect(handles.map((h) => h.status)).toEqual(['succeeded', 'cancelled', 'cancelled', 'cancelled']);
    expect(handles[2]!.record).toMatchObject({ attempts: 0, error: { message: 'shutdown deadline of 100 ms passed' } });
    expect(setup.logger.entries.find((e) => e.msg === 'shutdown deadline passed; abandoning background tasks')?.obj).toMatchObject({ abandoned: result.abandoned });

    // The queued task never starts, not even once the slot is free.
    await sleep(50);
    expect(started).toEqual(['quick', 'slow']);
    await setup.app.backgroundIdle();
  });

  it('names a task still waiting for its retry, and does not retry it after the deadline', async () => {
    let calls = 0;
    const flaky = defineTask(
      'flaky',
      () => {
        calls++;
        throw new Error('down');
      },
      { maxAttempts: 3, backoff: { type: 'fixed', delayMs: 200, jitter: false } },
    );
    const setup = appWith((tasks) => void tasks.addTask(flaky), { app: { onTaskError: () => {} } });
    runtime = setup.runtime;
    const { port } = await setup.app.listen(0);
    await fetch(`http://127.0.0.1:${port}/run`, { method: 'POST' });
    await until(() => calls === 1);
    const result = await setup.app.close({ drainTimeoutMs: 30 });
    expect(result.abandoned).toEqual(['flaky']);
    await sleep(250);
    expect(calls).toBe(1);
  });
});
