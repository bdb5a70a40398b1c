import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { currentTask, defineTask, type TaskRuntime } from '@fastts/tasks';
import { sqliteBackend } from '@fastts/tasks-sqlite';
import { appWith, until } from './helpers.js';

const folder = mkdtempSync(join(tmpdir(), 'fastts-delayed-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

let runtime: TaskRuntime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

const backends = {
  memory: () => undefined,
  sqlite: () => sqliteBackend({ path: join(folder, `${Math.random().toString(36).slice(2)}.db`), pollIntervalMs: 10 }),
};

describe.each(Object.entries(backends))('delayed tasks (%s backend)', (_, backend) => {
  it('addTask(definition.delay(ms)) runs the task no sooner than ms after it was added, and shows when it will run', async () => {
    const ran: number[] = [];
    const remind = defineTask('remind', async (_who: string) => void ran.push(Date.now()));
    let added = 0;
    const setup = appWith((tasks) => {
      added = Date.now();
      return { id: tasks.addTask(remind.delay(150), 'ada').id };
    }, { runtime: { backend: backend() } });
    runtime = setup.runtime;
    // Over a socket: a test client would wait for the app's background work, this task included.
    const { port } = await setup.app.listen(0, '127.0.0.1');
    const { id } = (await (await fetch(`http://127.0.0.1:${port}/run`, { method: 'POST' })).json()) as { id: string };
    const waiting = await runtime.get(id);
    expect(waiting?.state).toBe('queued');
    expect(waiting?.runAt?.getTime()).toBeGreaterThanOrEqual(added + 150);
    await until(() => ran.length === 1);
    expect(ran[0]! - added).toBeGreaterThanOrEqual(150);
    await setup.app.close({ drainTimeoutMs: 1_000 });
  });

  it('runtime.enqueue(definition.at(date)) waits for the date; a date in the past runs at once', async () => {
    const ran: string[] = [];
    const job = defineTask('job', async (label: string) => void ran.push(label));
    const setup = appWith(() => undefined, { runtime: { backend: backend() } });
    runtime = setup.runtime;
    const later = runtime.enqueue(job.at(new Date(Date.now() + 120)), 'later');
    runtime.enqueue(job.at(0), 'past');
    await until(() => ran.length === 2);
    expect(ran).toEqual(['past', 'later']);
    await until(() => later.status === 'succeeded');
  });

  it('refuses a negative delay or an invalid date, with a code', () => {
    const job = defineTask('job', async () => undefined);
    expect(() => job.delay(-1)).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_TASK_OPTION' }));
    expect(() => job.at(new Date('not a date'))).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_TASK_OPTION' }));
  });

  it('gives a task an idempotency key that is the same for every attempt', async () => {
    const keys: string[] = [];
    const flaky = defineTask('flaky', async () => {
      keys.push(currentTask()!.idempotencyKey);
      if (keys.length === 1) throw new Error('once');
    }, { maxAttempts: 2, backoff: { type: 'fixed', delayMs: 1, jitter: false } });
    const setup = appWith(() => undefined, { runtime: { backend: backend() } });
    runtime = setup.runtime;
    const handle = runtime.enqueue(flaky);
    await until(() => handle.status === 'succeeded');
    expect(keys).toEqual([`fastts-task-${handle.id}`, `fastts-task-${handle.id}`]);
  });
});
