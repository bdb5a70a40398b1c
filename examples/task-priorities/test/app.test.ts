import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBackend } from '@fastts/tasks';
import { LiveTestClient } from '@fastts/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';

// The tests run on the memory backend, except the last: the SQLite file is the app's default.
describe('task-priorities', () => {
  let client: LiveTestClient | undefined;

  beforeEach(() => {
    process.env['SEND_MS'] = '30';
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
    delete process.env['SEND_MS'];
  });

  it('sends a password reset before the newsletter backlog queued ahead of it', async () => {
    process.env['SEND_MS'] = '100';
    client = await LiveTestClient.start(createApp({ logger: false, tasksBackend: new MemoryBackend() }), { waitForTasks: false });
    const subscribers = ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com'];
    const queued = await client.post('/newsletter', { json: subscribers });
    expect(queued.status).toBe(202);
    expect(queued.json()).toEqual({ queued: 4 });
    // The first newsletter is being sent; the others wait in the mail queue.
    const reset = await client.post('/password-reset/ada@example.com');
    expect(reset.status).toBe(202);

    await client.waitForTasks();
    const outbox: string[] = (await client.get('/outbox')).json();
    expect(outbox[0]).toBe('newsletter to a@example.com');
    expect(outbox).toHaveLength(5);
    // Every newsletter still waiting when the reset arrived went out after it.
    const { items } = (await client.get('/tasks')).json() as { items: { name: string; createdAt: string; startedAt: string }[] };
    const passwordReset = items.find((task) => task.name === 'password-reset')!;
    const overtaken = items.filter((task) => task.name === 'newsletter' && task.startedAt > passwordReset.createdAt);
    expect(overtaken.length).toBeGreaterThanOrEqual(2);
    for (const newsletter of overtaken) expect(newsletter.startedAt > passwordReset.startedAt).toBe(true);
  });

  it('sends one e-mail at a time (the mail queue has concurrency 1)', async () => {
    client = await LiveTestClient.start(createApp({ logger: false, tasksBackend: new MemoryBackend() }));
    const started = Date.now();
    await client.post('/newsletter', { json: ['a@example.com', 'b@example.com', 'c@example.com'] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 30 - 1);
    expect((await client.get('/tasks', { query: { name: 'newsletter' } })).json().counts).toMatchObject({ succeeded: 3 });
  });

  it('sends from the SQLite file FASTTS_TASKS_DB names, in priority order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'task-priorities-'));
    process.env['FASTTS_TASKS_DB'] = join(dir, 'tasks.db');
    // Long enough that the reset is stored while the first newsletter is still being sent.
    process.env['SEND_MS'] = '200';
    try {
      client = await LiveTestClient.start(createApp({ logger: false }), { waitForTasks: false });
      await client.post('/newsletter', { json: ['a@example.com', 'b@example.com', 'c@example.com'] });
      await client.post('/password-reset/ada@example.com');
      const deadline = Date.now() + 5_000;
      while ((await client.get('/outbox')).json().length < 4) {
        if (Date.now() > deadline) throw new Error('the e-mails were not all sent in time');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const outbox: string[] = (await client.get('/outbox')).json();
      // The first newsletter may have started before the reset was stored; the others waited behind it.
      expect(outbox.indexOf('password reset to ada@example.com')).toBeLessThanOrEqual(1);
      expect(outbox.slice(-2)).toEqual(['newsletter to b@example.com', 'newsletter to c@example.com']);
    } finally {
      await client?.close();
      client = undefined;
      delete process.env['FASTTS_TASKS_DB'];
      await rm(dir, { recursive: true, force: true });
    }
  });
});
