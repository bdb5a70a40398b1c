import { afterEach, describe, expect, it } from 'vitest';
import { TestClient } from '@fastts/testing';
import { currentTask, defineTask, TaskCancelledError, type TaskRuntime } from '@fastts/tasks';
import { appWith, sleep, until, type AnyHandle } from './helpers.js';

let runtime: TaskRuntime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

describe('priorities', () => {
  it('runs higher priorities first within a queue, and equal ones in the order added', async () => {
    const order: string[] = [];
    const step = (name: string, priority: number) => defineTask(name, async () => void order.push(name), { queue: 'serial', priority });
    const blocker = defineTask('blocker', () => sleep(20).then(() => void order.push('blocker')), { queue: 'serial' });
    const [low, high, mid, midToo] = [step('low', -1), step('high', 10), step('mid', 5), step('mid-too', 5)];
    const setup = appWith(
      (tasks) => {
        tasks.addTask(low);
        tasks.addTask(mid);
        tasks.addTask(high);
        tasks.addTask(midToo);
      },
      { runtime: { queues: { serial: { concurrency: 1 } } } },
    );
    runtime = setup.runtime;
    // The queue's only slot is taken, so the request's tasks wait and get sorted.
    const running = runtime.enqueue(blocker);
    await until(() => running.status === 'running');
    await new TestClient(setup.app).post('/run');
    expect(order).toEqual(['blocker', 'high', 'mid', 'mid-too', 'low']);
  });

  it('sorts the tasks one request adds by priority, even with a free slot', async () => {
    const order: string[] = [];
    const step = (name: string, priority: number) => defineTask(name, () => void order.push(name), { queue: 'serial', priority });
    const [first, urgent] = [step('added-first', 0), step('added-second-urgent', 1)];
    const setup = appWith((tasks) => void (tasks.addTask(first), tasks.addTask(urgent)), { runtime: { queues: { serial: { concurrency: 1 } } } });
    runtime = setup.runtime;
    await new TestClient(setup.app).post('/run');
    expect(order).toEqual(['added-second-urgent', 'added-first']);
  });

  it('orders tasks enqueued in the same tick by priority', async () => {
    const order: number[] = [];
    const job = defineTask('job', (n: number) => void order.push(n), { queue: 'one' });
    const urgent = defineTask('urgent', (n: number) => void order.push(n), { queue: 'one', priority: 1 });
    const setup = appWith(() => undefined, { runtime: { queues: { one: { concurrency: 1 } } } });
    runtime = setup.runtime;
    const handles = [runtime.enqueue(job, 1), runtime.enqueue(job, 2), runtime.enqueue(urgent, 3)];
    await Promise.all(handles.map((h) => h.done));
    expect(order).toEqual([3, 1, 2]);
  });
});

describe('concurrency', () => {
  it('runs at most the queue concurrency at once, and queues do not wait for each other', async () => {
    let running = 0;
    let peak = 0;
    const otherQueueStarted: number[] = [];
    const limited = defineTask(
      'limited',
      async () => {
        peak = Math.max(peak, ++running);
        await sleep(25);
        running--;
      },
      { queue: 'pdf' },
    );
    const elsewhere = defineTask('elsewhere', () => void otherQueueStarted.push(running), { queue: 'mail' });
    const setup = appWith(
      (tasks) => {
        for (let i = 0; i < 6; i++) tasks.addTask(limited);
        tasks.addTask(elsewhere);
      },
      { runtime: { queues: { pdf: { concurrency: 2 } } } },
    );
    runtime = setup.runtime;
    const started = Date.now();
    await new TestClient(setup.app).post('/run');
    expect(peak).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 25 - 1);
    // The mail queue ran while pdf tasks were still running.
    expect(otherQueueStarted).toEqual([2]);
    expect(await runtime.stats()).toMatchObject({ succeeded: 7, queued: 0, running: 0 });
  });
});

describe('fairness to requests', () => {
  it('lets the server answer between back-to-back tasks that never wait on I/O', async () => {
    const order: string[] = [];
    const crunch = defineTask('crunch', (n: number) => {
      const end = performance.now() + 30;
      while (performance.now() < end);
      order.push(`task ${n}`);
    }, { queue: 'cpu' });
    const setup = appWith(() => undefined, { runtime: { queues: { cpu: { concurrency: 1 } } } });
    runtime = setup.runtime;
    const { port } = await setup.app.listen(0);
    for (let n = 1; n <= 12; n++) runtime.enqueue(crunch, n);
    const res = await fetch(`http://127.0.0.1:${port}/run`, { method: 'POST' });
    order.push(`response ${res.status}`);
    await setup.app.close();
    // The request was answered between tasks (a few turns of the event loop), not after the whole queue.
    expect(order.indexOf('response 200')).toBeLessThan(9);
    expect(order.filter((entry) => entry.startsWith('task'))).toHaveLength(12);
  });
});

describe('dedupe', () => {
  it('does not run a second task with the same key while the first is pending, and runs one again after', async () => {
    const sent: string[] = [];
    const digest = defineTask(
      'digest',
      async (userId: number, note: string) => {
        await sleep(20);
        sent.push(`${userId} ${note}`);
      },
      { dedupeKey: (userId) => `user-${userId}` },
    );
    const handles: AnyHandle[] = [];
    const setup = appWith((tasks) => void handles.push(tasks.addTask(digest, 1, 'first'), tasks.addTask(digest, 1, 'again'), tasks.addTask(digest, 2, 'other user')));
    runtime = setup.runtime;
    const client = new TestClient(setup.app);
    await client.post('/run');
    expect(sent.sort()).toEqual(['1 first', '2 other user']);
    expect(handles[1]!.record).toMatchObject({ state: 'cancelled', duplicateOf: handles[0]!.id, attempts: 0 });
    expect(handles[1]!.record!.error?.message).toBe(`duplicate of task ${handles[0]!.id}`);

    await client.post('/run');
    expect(sent.filter((line) => line.startsWith('1 '))).toEqual(['1 first', '1 first']);
  });
});

describe('cancel', () => {
  it('cancels a queued task, which then never starts', async () => {
    const started: string[] = [];
    const job = defineTask('job', async (name: string) => {
      started.push(name);
      await sleep(30);
    }, { queue: 'q' });
    const setup = appWith(() => undefined, { runtime: { queues: { q: { concurrency: 1 } } } });
    runtime = setup.runtime;
    const first = runtime.enqueue(job, 'first');
    const second = runtime.enqueue(job, 'second');
    await until(() => first.status === 'running');
    expect(second.status).toBe('queued');
    expect(await runtime.cancel(second.id)).toBe(true);
    expect(second.status).toBe('cancelled');
    await first.done;
    await sleep(10);
    expect(started).toEqual(['first']);
    expect(await runtime.cancel(second.id)).toBe(false);
  });

  it("aborts a running task's signal, frees its slot at once and keeps it cancelled whatever it does next", async () => {
    let aborted: unknown;
    const order: string[] = [];
    const listening = defineTask('listening', async () => {
      const { signal } = currentTask()!;
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      aborted = signal.reason;
      order.push('first saw abort');
      return 'too late';
    }, { queue: 'q' });
    const next = defineTask('next', () => void order.push('next ran'), { queue: 'q' });
    const setup = appWith(() => undefined, { runtime: { queues: { q: { concurrency: 1 } } } });
    runtime = setup.runtime;
    const handle = runtime.enqueue(listening);
    const after = runtime.enqueue(next);
    await until(() => handle.status === 'running');
    expect(await runtime.cancel(handle.id, new TaskCancelledError('user pressed stop'))).toBe(true);
    const record = await handle.done;
    expect(record).toMatchObject({ state: 'cancelled', error: { name: 'TaskCancelledError', message: 'user pressed stop' } });
    expect(record.result).toBeUndefined();
    expect(aborted).toBeInstanceOf(TaskCancelledError);
    await after.done;
    expect(order).toEqual(['first saw abort', 'next ran']);
    expect(await runtime.get(handle.id)).toMatchObject({ state: 'cancelled' });
  });

  it('cancels a task waiting for its retry, and retry(id) runs a finished one again from attempt 1', async () => {
    let calls = 0;
    const failing = defineTask(
      'failing',
      () => {
        calls++;
        throw new Error('down');
      },
      { maxAttempts: 3, backoff: { type: 'fixed', delayMs: 10_000, jitter: false } },
    );
    const setup = appWith(() => undefined);
    runtime = setup.runtime;
    const handle = runtime.enqueue(failing);
    await until(() => handle.status === 'retrying');
    expect(await runtime.cancel(handle.id)).toBe(true);
    expect((await handle.done).state).toBe('cancelled');
    expect(calls).toBe(1);

    expect(await runtime.retry(handle.id)).toBe(true);
    await until(async () => (await runtime!.get(handle.id))?.state === 'retrying');
    expect(await runtime.get(handle.id)).toMatchObject({ attempts: 1, state: 'retrying' });
    // The handle settled with the first run; the record tells what happened after.
    expect(handle.status).toBe('cancelled');
    await runtime.cancel(handle.id);
    expect(calls).toBe(2);
    await setup.app.backgroundIdle();
  });
});
