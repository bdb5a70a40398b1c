import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBackend } from '@fastts/tasks';
import { LiveTestClient } from '@fastts/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';

async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error('task did not finish in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// The tests run on the memory backend, except the last: the SQLite file is the app's default.
describe('task-retries', () => {
  let dir: string;
  let client: LiveTestClient | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'task-retries-'));
    process.env['LOG_FILE'] = join(dir, 'log.txt');
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
    delete process.env['LOG_FILE'];
    await rm(dir, { recursive: true, force: true });
  });

  it('answers at once, then delivers on the third attempt after two greylisted ones', async () => {
    client = await LiveTestClient.start(createApp({ logger: false, tasksBackend: new MemoryBackend(), failTimes: 2 }), { waitForTasks: false });
    const res = await client.post('/send-notification/ada@example.com');
    expect(res.status).toBe(200);
    const { message, task_id } = res.json();
    expect(message).toBe('Notification sent in the background');

    await client.waitForTasks();
    expect(await readFile(join(dir, 'log.txt'), 'utf8')).toBe('notification for ada@example.com: some notification\n');
    const task = (await client.get(`/tasks/${task_id}`)).json();
    expect(task).toMatchObject({ name: 'send-notification', state: 'succeeded', attempts: 3, maxAttempts: 4 });
    expect(task.history.map((a: { error?: { message: string } }) => a.error?.message)).toEqual([
      '451 greylisted, try again later: ada@example.com',
      '451 greylisted, try again later: ada@example.com',
      undefined,
    ]);
    // Exponential backoff with jitter: at least 100 ms, then at least 200 ms.
    const gap = (i: number) => Date.parse(task.history[i + 1].startedAt) - Date.parse(task.history[i].finishedAt);
    expect(gap(0)).toBeGreaterThanOrEqual(99);
    expect(gap(1)).toBeGreaterThanOrEqual(199);
  });

  it('gives up after four attempts and records the task as dead', async () => {
    client = await LiveTestClient.start(createApp({ logger: false, tasksBackend: new MemoryBackend(), failTimes: 10 }), { raiseTaskErrors: false });
    const { task_id } = (await client.post('/send-notification/bob@example.com')).json();
    expect((await client.get(`/tasks/${task_id}`)).json()).toMatchObject({ state: 'dead', attempts: 4, error: { message: '451 greylisted, try again later: bob@example.com' } });
    await expect(readFile(join(dir, 'log.txt'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('does not retry an address that cannot exist', async () => {
    client = await LiveTestClient.start(createApp({ logger: false, tasksBackend: new MemoryBackend() }), { raiseTaskErrors: false });
    const { task_id } = (await client.post('/send-notification/nobody@example.invalid')).json();
    expect((await client.get(`/tasks/${task_id}`)).json()).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: { name: 'NonRetryableError', message: '550 no such domain: nobody@example.invalid' },
    });
  });

  it('retries on the SQLite file FASTTS_TASKS_DB names, each attempt recorded there', async () => {
    process.env['FASTTS_TASKS_DB'] = join(dir, 'tasks.db');
    try {
      client = await LiveTestClient.start(createApp({ logger: false, failTimes: 1 }), { waitForTasks: false });
      const { task_id } = (await client.post('/send-notification/ada@example.com')).json();
      const task = await poll(
        async () => (await client!.get(`/tasks/${task_id}`)).json(),
        (t) => t.state === 'succeeded',
      );
      expect(task).toMatchObject({ attempts: 2, history: [{ error: { message: '451 greylisted, try again later: ada@example.com' } }, {}] });
      expect(await readFile(join(dir, 'log.txt'), 'utf8')).toBe('notification for ada@example.com: some notification\n');
    } finally {
      delete process.env['FASTTS_TASKS_DB'];
    }
  });
});
