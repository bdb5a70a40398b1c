import { afterEach, describe, expect, it } from 'vitest';
import { JSONResponse } from '@fastts/core';
import { TestClient } from '@fastts/testing';
import { currentTask, defineTask, TasksController, type TaskRuntime } from '@fastts/tasks';
import { appWith, sleep, until } from './helpers.js';

let runtime: TaskRuntime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

const render = defineTask('render', async (pages: number) => {
  const task = currentTask()!;
  for (let page = 1; page <= pages; page++) {
    await sleep(5);
    task.progress(Math.round((page / pages) * 100));
  }
  return { pages };
});

const wait = defineTask('wait', async () => {
  const { signal } = currentTask()!;
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
});

const broken = defineTask('broken', () => {
  throw new Error('cannot render');
});

function statusApp(options: { exposeArgs?: boolean } = {}) {
  const setup = appWith((tasks) => {
    const handle = tasks.addTask(render, 4);
    return new JSONResponse({ id: handle.id }, { status: 202 });
  });
  setup.app.include(new TasksController(setup.runtime, options));
  runtime = setup.runtime;
  return { ...setup, client: new TestClient(setup.app, { waitForTasks: false }) };
}

describe('TasksController', () => {
  it('answers 202 with an id, then GET /tasks/{id} shows the task until it has succeeded', async () => {
    const { client, app } = statusApp();
    const accepted = await client.post('/run');
    expect(accepted.status).toBe(202);
    const { id } = accepted.json();
    await app.backgroundIdle();
    const res = await client.get(`/tasks/${id}`);
    expect(res.status).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ id, name: 'render', queue: 'default', state: 'succeeded', attempts: 1, maxAttempts: 1, progress: 100, result: { pages: 4 }, route: 'Run.run' });
    expect(body).not.toHaveProperty('args');
    expect(new Date(body.finishedAt).getTime()).toBeGreaterThanOrEqual(new Date(body.startedAt).getTime());
    expect(body.history).toEqual([{ attempt: 1, startedAt: body.startedAt, finishedAt: body.finishedAt }]);
  });

  it('answers 404 for an unknown id', async () => {
    const { client } = statusApp();
    const res = await client.get('/tasks/nope');
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ detail: 'task nope not found' });
  });

  it('lists tasks newest first, filtered by state and name, with counts, and shows arguments only when asked', async () => {
    const { client, app } = statusApp({ exposeArgs: true });
    await client.post('/run');
    await client.post('/run');
    await app.backgroundIdle();
    const failing = runtime!.enqueue(broken);
    await failing.done;
    const all = (await client.get('/tasks')).json();
    expect(all.items.map((t: { name: string }) => t.name)).toEqual(['broken', 'render', 'render']);
    expect(all.items[1].args).toEqual([4]);
    expect(all.counts).toEqual({ queued: 0, running: 0, succeeded: 2, failed: 1, retrying: 0, cancelled: 0, dead: 0 });
    const failed = (await client.get('/tasks', { query: { state: 'failed' } })).json();
    expect(failed.items).toHaveLength(1);
    expect(failed.items[0]).toMatchObject({ id: failing.id, error: { name: 'Error', message: 'cannot render' } });
    expect(failed.items[0].error).not.toHaveProperty('stack');
    expect((await client.get('/tasks', { query: { state: ['failed', 'succeeded'], limit: 2 } })).json().items).toHaveLength(2);
    expect((await client.get('/tasks', { query: { name: 'render' } })).json().items).toHaveLength(2);
  });

  it('answers 422 for an unknown state, as FastAPI does for a list of an enum, and for a limit outside 1..1000', async () => {
    const { client } = statusApp();
    const res = await client.get('/tasks', { query: { state: ['failed', 'done'] } });
    expect(res.status).toBe(422);
    expect(res.json().detail).toEqual([
      {
        type: 'enum',
        loc: ['query', 'state', 1],
        msg: "Input should be 'queued', 'running', 'succeeded', 'failed', 'retrying', 'cancelled' or 'dead'",
        input: 'done',
        ctx: { expected: "'queued', 'running', 'succeeded', 'failed', 'retrying', 'cancelled' or 'dead'" },
      },
    ]);
    // Out of range is a 422, as FastAPI's Query(ge=1, le=1000); it used to be clamped.
    expect((await client.get('/tasks', { query: { limit: 0 } })).json().detail).toEqual([
      { type: 'greater_than_equal', loc: ['query', 'limit'], msg: 'Input should be greater than or equal to 1', input: '0', ctx: { ge: 1 } },
    ]);
    expect((await client.get('/tasks', { query: { limit: 1001 } })).json().detail).toEqual([
      { type: 'less_than_equal', loc: ['query', 'limit'], msg: 'Input should be less than or equal to 1000', input: '1001', ctx: { le: 1000 } },
    ]);
  });

  it('cancels a running task with DELETE (202), and answers 409 once it has finished', async () => {
    const { client } = statusApp();
    const handle = runtime!.enqueue(wait);
    await until(() => handle.status === 'running');
    const res = await client.delete(`/tasks/${handle.id}`);
    expect(res.status).toBe(202);
    expect(res.json()).toMatchObject({ id: handle.id, state: 'cancelled', error: { name: 'TaskCancelledError', message: 'task cancelled' } });
    expect((await handle.done).state).toBe('cancelled');
    const again = await client.delete(`/tasks/${handle.id}`);
    expect(again.status).toBe(409);
    expect(again.json()).toEqual({ detail: `task ${handle.id} has already finished (cancelled)` });
  });

  it('retries a failed task with POST /tasks/{id}/retry, and refuses a succeeded one', async () => {
    const { client, app } = statusApp();
    const failing = runtime!.enqueue(broken);
    await failing.done;
    const res = await client.post(`/tasks/${failing.id}/retry`);
    expect(res.status).toBe(202);
    await app.backgroundIdle();
    expect((await client.get(`/tasks/${failing.id}`)).json()).toMatchObject({ state: 'failed', attempts: 1 });
    const { id } = (await client.post('/run')).json();
    await app.backgroundIdle();
    expect((await client.post(`/tasks/${id}/retry`)).status).toBe(409);
  });
});
