import { afterEach, describe, expect, it } from 'vitest';
import { App, BackgroundTasks, Controller, HTTPException, Post } from '@fastts/core';
import { TestClient } from '@fastts/testing';
import { defineTask, TaskRuntime, TasksController, type TaskRecord } from '@fastts/tasks';
import { appWith, sleep, type AnyHandle } from './helpers.js';

// What the runtime does with the core's hooks: the task's origin at addTask,
// discard when the core drops a task, and app.onClose.

let runtime: TaskRuntime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

describe('recorded at addTask', () => {
  it('is queued in the runtime as soon as the handler adds it, before the response', async () => {
    const ran: number[] = [];
    const work = defineTask('record-early', (n: number) => void ran.push(n));
    let seen: TaskRecord | undefined;
    let handle: AnyHandle | undefined;
    const setup = appWith(async (tasks) => {
      handle = tasks.addTask(work, 1);
      seen = await setup.runtime.get(handle.id);
      return { id: handle.id };
    });
    runtime = setup.runtime;
    setup.app.include(new TasksController(setup.runtime));
    const client = new TestClient(setup.app);
    await client.post('/run', { headers: { 'x-request-id': 'early-1' } });
    expect(seen).toMatchObject({ id: handle!.id, name: 'record-early', state: 'queued', attempts: 0, route: 'Run.run', requestId: 'early-1' });
    expect(ran).toEqual([1]);
    expect((await handle!.done).state).toBe('succeeded');
    expect((await client.get(`/tasks/${handle!.id}`)).json()).toMatchObject({ state: 'succeeded' });
  });

  it('answers GET /tasks/{id}, list and stats while the request is still finishing', async () => {
    const work = defineTask('record-http', () => undefined);
    let handle: AnyHandle | undefined;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const setup = appWith((tasks) => {
      // A slow plain task first keeps the named one from reaching the backend.
      tasks.addTask(() => gate);
      handle = tasks.addTask(work);
      return { id: handle.id };
    });
    runtime = setup.runtime;
    setup.app.include(new TasksController(setup.runtime));
    const { port } = await setup.app.listen(0);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/run`, { method: 'POST' });
      const { id } = (await res.json()) as { id: string };
      const polled = await fetch(`http://127.0.0.1:${port}/tasks/${id}`);
      expect(polled.status).toBe(200);
      expect(await polled.json()).toMatchObject({ id, state: 'queued' });
      expect((await setup.runtime.list({ state: 'queued' })).map((r) => r.id)).toEqual([id]);
      expect((await setup.runtime.stats()).queued).toBe(1);
      release();
      expect((await handle!.done).state).toBe('succeeded');
      expect((await setup.runtime.get(id))?.state).toBe('succeeded');
    } finally {
      release();
      await setup.app.close();
    }
  });

  it('cancels a task that is held but not yet enqueued, and never runs it', async () => {
    const ran: string[] = [];
    const work = defineTask('record-cancel', () => void ran.push('ran'));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let handle: AnyHandle | undefined;
    const setup = appWith((tasks) => {
      tasks.addTask(() => gate);
      handle = tasks.addTask(work);
    });
    runtime = setup.runtime;
    const client = new TestClient(setup.app);
    const pending = client.post('/run');
    await sleep(10);
    expect(await setup.runtime.cancel(handle!.id)).toBe(true);
    expect(await setup.runtime.cancel(handle!.id)).toBe(false);
    expect((await setup.runtime.get(handle!.id))?.state).toBe('cancelled');
    release();
    await pending;
    expect((await handle!.done).state).toBe('cancelled');
    expect(ran).toEqual([]);
  });

  it('records at run time, as before, a task added to a BackgroundTasks built by hand', async () => {
    const work = defineTask('record-late', () => 'ok');
    let handle: AnyHandle | undefined;
    let seen: TaskRecord | undefined = {} as TaskRecord;
    const setup = appWith(async (tasks) => {
      const own = new BackgroundTasks();
      handle = own.addTask(work);
      seen = await setup.runtime.get(handle.id);
      for (const task of own.tasks) tasks.add(task);
    });
    runtime = setup.runtime;
    await new TestClient(setup.app).post('/run');
    expect(seen).toBeUndefined();
    expect(await handle!.result()).toBe('ok');
  });
});

describe('dropped by the core', () => {
  it('cancels the handle of a task added by a handler that then fails, and resolves done', async () => {
    const ran: string[] = [];
    const work = defineTask('dropped-failed', () => void ran.push('ran'));
    let handle: AnyHandle | undefined;
    const setup = appWith((tasks) => {
      handle = tasks.addTask(work);
      throw new HTTPException(409, 'conflict');
    });
    runtime = setup.runtime;
    const res = await new TestClient(setup.app).post('/run');
    expect(res.status).toBe(409);
    const record = await handle!.done;
    expect(record).toMatchObject({ state: 'cancelled', error: { name: 'TaskDiscarded' }, route: 'Run.run' });
    expect(record.error?.message).toContain('handler-failed');
    expect(handle!.status).toBe('cancelled');
    await expect(handle!.result()).rejects.toThrow();
    expect(await setup.runtime.get(handle!.id)).toBeUndefined();
    await sleep(10);
    expect(ran).toEqual([]);
  });

  it.each(['collect', 'skip'] as const)('cancels the handle of a task a test client set to %s drops, and never runs it', async (mode) => {
    const ran: string[] = [];
    const work = defineTask(`dropped-${mode}`, () => void ran.push('ran'));
    let handle: AnyHandle | undefined;
    const setup = appWith((tasks) => void (handle = tasks.addTask(work)));
    runtime = setup.runtime;
    await new TestClient(setup.app, { tasks: mode }).post('/run');
    const record = await handle!.done;
    expect(record).toMatchObject({ state: 'cancelled', error: { name: 'TaskDiscarded' } });
    expect(record.error?.message).toContain(mode === 'collect' ? 'collected' : 'skipped');
    await sleep(10);
    expect(ran).toEqual([]);
    expect(await setup.runtime.get(handle!.id)).toBeUndefined();
  });
});

describe('closed with the app', () => {
  it('closes the runtime, its backend and its worker pool when the app closes; closing again is harmless', async () => {
    const setup = appWith(() => undefined);
    runtime = setup.runtime;
    let backendClosed = 0;
    const close = setup.runtime.backend.close.bind(setup.runtime.backend);
    setup.runtime.backend.close = (options) => {
      backendClosed += 1;
      return close(options);
    };
    await setup.app.close();
    expect(backendClosed).toBe(1);
    await setup.runtime.close();
    await setup.runtime.close();
    expect(backendClosed).toBe(1);
    // Detached: the app would get a fresh default runtime.
    expect(TaskRuntime.for(setup.app)).not.toBe(setup.runtime);
  });

  it('closes the default runtime an app got from its first task', async () => {
    const work = defineTask('default-closed', () => undefined);
    @Controller()
    class Adds {
      @Post('/add')
      add(tasks: BackgroundTasks) {
        return { id: tasks.addTask(work).id };
      }
    }
    const app = new App({ logger: false }).include(Adds);
    await new TestClient(app).post('/add');
    const created = TaskRuntime.for(app);
    await app.close();
    expect(TaskRuntime.for(app)).not.toBe(created);
    await TaskRuntime.for(app).close();
  });
});
