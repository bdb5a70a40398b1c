import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBackend } from '@fastts/tasks';
import { LiveTestClient } from '@fastts/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, reports } from '../src/app.js';

async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 3_000): Promise<T[]> {
  const seen: T[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    seen.push(value);
    if (done(value)) return seen;
    if (Date.now() > deadline) throw new Error('task did not finish in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// The tests run on the memory backend, except the last: the SQLite file is the app's default.
describe('task-status', () => {
  let client: LiveTestClient | undefined;

  beforeEach(() => {
    process.env['REPORT_STEP_MS'] = '40';
    reports.clear();
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
    delete process.env['REPORT_STEP_MS'];
  });

  it('answers 202 with a status URL, which shows the task running with progress, then succeeded', async () => {
    client = await LiveTestClient.start(createApp({ logger: false, tasksBackend: new MemoryBackend() }), { waitForTasks: false });
    const accepted = await client.post('/reports', { query: { sections: 4 } });
    expect(accepted.status).toBe(202);
    const { task_id, status_url } = accepted.json();
    expect(status_url).toBe(`/tasks/${task_id}`);

    const seen = await poll(
      async () => (await client!.get(status_url)).json(),
      (task) => task.state === 'succeeded',
    );
    const states = [...new Set(seen.map((task) => task.state))];
    expect(states.at(-1)).toBe('succeeded');
    expect(states).toContain('running');
    const progress = seen.map((task) => task.progress ?? 0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(seen.at(-1)).toMatchObject({ name: 'build-report', progress: 100, result: { report_url: '/reports/1' } });
    expect((await client.get('/reports/1')).json()).toEqual({ id: '1', sections: ['section 1', 'section 2', 'section 3', 'section 4'] });
  });

  it('cancels a running report with DELETE /tasks/{id}; the report is never written', async () => {
    client = await LiveTestClient.start(createApp({ logger: false, tasksBackend: new MemoryBackend() }), { waitForTasks: false });
    const { status_url } = (await client.post('/reports', { query: { sections: 20 } })).json();
    await poll(
      async () => (await client!.get(status_url)).json(),
      (task) => task.progress >= 10,
    );
    const cancelled = await client.delete(status_url);
    expect(cancelled.status).toBe(202);
    expect(cancelled.json()).toMatchObject({ state: 'cancelled' });
    await client.waitForTasks();
    expect((await client.get('/reports/1')).status).toBe(404);
    expect((await client.get('/tasks', { query: { state: 'cancelled' } })).json().items).toHaveLength(1);
  });

  it('lists tasks by state for a dashboard', async () => {
    client = await LiveTestClient.start(createApp({ logger: false, tasksBackend: new MemoryBackend() }));
    await client.post('/reports', { query: { sections: 1 } });
    await client.post('/reports', { query: { sections: 1 } });
    const { items, counts } = (await client.get('/tasks', { query: { state: 'succeeded' } })).json();
    expect(items.map((t: { name: string }) => t.name)).toEqual(['build-report', 'build-report']);
    expect(counts).toMatchObject({ succeeded: 2, running: 0, queued: 0 });
  });

  it('serves the dashboard at /dashboard, whose JSON lists the report task', async () => {
    client = await LiveTestClient.start(createApp({ logger: false, tasksBackend: new MemoryBackend() }));
    await client.post('/reports', { query: { sections: 1 } });
    const page = await client.get('/dashboard');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    const { items } = (await client.get('/dashboard/api/tasks')).json();
    expect(items).toMatchObject([{ name: 'build-report', state: 'succeeded', progress: 100 }]);
  });

  it("keeps tasks in the SQLite file FASTTS_TASKS_DB names: a report's status outlives the app that ran it", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'task-status-'));
    process.env['FASTTS_TASKS_DB'] = join(dir, 'tasks.db');
    try {
      client = await LiveTestClient.start(createApp({ logger: false }), { waitForTasks: false });
      const { status_url } = (await client.post('/reports', { query: { sections: 2 } })).json();
      await poll(
        async () => (await client!.get(status_url)).json(),
        (task) => task.state === 'succeeded',
      );
      await client.close();

      client = await LiveTestClient.start(createApp({ logger: false }), { waitForTasks: false });
      expect((await client.get(status_url)).json()).toMatchObject({ name: 'build-report', state: 'succeeded', progress: 100, attempts: 1 });
    } finally {
      await client?.close();
      client = undefined;
      delete process.env['FASTTS_TASKS_DB'];
      await rm(dir, { recursive: true, force: true });
    }
  });
});
