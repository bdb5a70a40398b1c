import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { App, BackgroundTasks, Controller, HTTPException, Post } from '@fastts/core';
import { TestClient } from '@fastts/testing';
import { currentTask, defineTask, TaskArgumentsError, TaskHandle, type TaskContext, type TaskRuntime } from '@fastts/tasks';
import { appWith, sleep, stateLog, type AnyHandle } from './helpers.js';

let runtime: TaskRuntime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

describe('named tasks through BackgroundTasks', () => {
  it('returns a handle from addTask, runs the task after the response and resolves done with the result', async () => {
    const events: string[] = [];
    const square = defineTask('square', async (n: number) => {
      events.push(`task ${n}`);
      return n * n;
    });
    let handle: TaskHandle<number> | undefined;
    const setup = appWith((tasks) => {
      handle = tasks.addTask(square, 7);
      expectTypeOf(handle).toEqualTypeOf<TaskHandle<number>>();
      events.push(`handler, status ${handle.status}`);
      return { id: handle.id };
    });
    runtime = setup.runtime;
    const res = await new TestClient(setup.app).post('/run');
    expect(res.json()).toEqual({ id: handle!.id });
    expect(events).toEqual(['handler, status queued', 'task 7']);
    const record = await handle!.done;
    expect(record).toMatchObject({ id: handle!.id, name: 'square', state: 'succeeded', attempts: 1, result: 49, route: 'Run.run' });
    expect(handle!.status).toBe('succeeded');
    expect(await handle!.result()).toBe(49);
  });

  it('starts the task after the handler and does not hold the response up', async () => {
    const order: string[] = [];
    const slow = defineTask('slow', async () => {
      order.push('task start');
      await sleep(300);
      order.push('task end');
    });
    const setup = appWith((tasks) => {
      tasks.addTask(slow);
      order.push('handler');
    });
    runtime = setup.runtime;
    const { port } = await setup.app.listen(0);
    const res = await fetch(`http://127.0.0.1:${port}/run`, { method: 'POST' });
    order.push('response');
    expect(res.status).toBe(200);
    await setup.app.backgroundIdle();
    // The core starts it once the body is written (its own tests say so); the client has the response long before it ends.
    expect(order[0]).toBe('handler');
    expect(order.indexOf('response')).toBeLessThan(order.indexOf('task end'));
    expect(order).toHaveLength(4);
    await setup.app.close();
  });

  it('goes queued → running → succeeded, and queued → running → retrying → queued → running → dead', async () => {
    const ok = defineTask('ok', () => 'fine');
    const flaky = defineTask(
      'always-fails',
      () => {
        throw new Error('nope');
      },
      { maxAttempts: 2, backoff: { type: 'fixed', delayMs: 5, jitter: false } },
    );
    const handles: AnyHandle[] = [];
    const setup = appWith((tasks) => void handles.push(tasks.addTask(ok), tasks.addTask(flaky)));
    runtime = setup.runtime;
    const states = stateLog(runtime);
    await new TestClient(setup.app, { raiseTaskErrors: false }).post('/run');
    expect(states.get(handles[0]!.id)).toEqual(['queued', 'running', 'succeeded']);
    expect(states.get(handles[1]!.id)).toEqual(['queued', 'running', 'retrying', 'queued', 'running', 'dead']);
    expect(handles[1]!.record).toMatchObject({ state: 'dead', attempts: 2, error: { name: 'Error', message: 'nope' } });
    await expect(handles[1]!.result()).rejects.toThrow("task 'always-fails' (" + handles[1]!.id + ') ended dead: nope');
  });

  it('waits for named tasks in backgroundIdle, so the test client sees their effects', async () => {
    const seen: string[] = [];
    const record = defineTask('record', async (what: string) => {
      await sleep(30);
      seen.push(what);
    });
    const setup = appWith((tasks) => void tasks.addTask(record, 'a'));
    runtime = setup.runtime;
    await new TestClient(setup.app).post('/run');
    expect(seen).toEqual(['a']);
  });

  it('rejects arguments that cannot travel in the handler, as a 500', async () => {
    const takesObject = defineTask('takes-object', (value: { n: number }) => value.n);
    const setup = appWith((tasks) => void tasks.addTask(takesObject, { n: Number.POSITIVE_INFINITY }));
    runtime = setup.runtime;
    const res = await new TestClient(setup.app, { raiseServerExceptions: false }).post('/run');
    expect(res.status).toBe(500);
    const logged = setup.logger.entries.find((entry) => entry.obj['err'] instanceof TaskArgumentsError);
    expect((logged?.obj['err'] as Error).message).toBe("arguments of task 'takes-object' rejected: argument 0.n: Infinity is not a finite number");
  });

  it("honours runOn: 'always' tasks run after a failed handler, 'success' ones are dropped", async () => {
    const ran: string[] = [];
    const audit = defineTask('audit', (what: string) => void ran.push(`audit ${what}`), { runOn: 'always' });
    const notify = defineTask('notify', (what: string) => void ran.push(`notify ${what}`));
    const handles: AnyHandle[] = [];
    const setup = appWith((tasks) => {
      handles.push(tasks.addTask(audit, 'attempt'), tasks.addTask(notify, 'attempt'));
      throw new HTTPException(409, 'conflict');
    });
    runtime = setup.runtime;
    const res = await new TestClient(setup.app).post('/run');
    expect(res.status).toBe(409);
    expect(ran).toEqual(['audit attempt']);
    expect(handles.map((h) => h.status)).toEqual(['succeeded', 'cancelled']);
    expect(await runtime.get(handles[1]!.id)).toBeUndefined();
  });

  it('makes the task context visible through AsyncLocalStorage, with the request id, route and a bound logger', async () => {
    let seen: TaskContext | undefined;
    const helper = async () => {
      await sleep(1);
      seen = currentTask();
      seen?.logger.info({ step: 'inside' }, 'working');
    };
    const work = defineTask('contextual', async () => helper());
    let handle: AnyHandle | undefined;
    const setup = appWith((tasks) => void (handle = tasks.addTask(work)));
    runtime = setup.runtime;
    await new TestClient(setup.app).post('/run', { headers: { 'x-request-id': 'req-42' } });
    expect(seen).toMatchObject({ id: handle!.id, name: 'contextual', queue: 'default', attempt: 1, maxAttempts: 1, requestId: 'req-42', route: 'Run.run' });
    expect(seen!.signal.aborted).toBe(false);
    expect(setup.logger.entries.find((e) => e.msg === 'working')?.obj).toEqual({ task: 'contextual', taskId: handle!.id, attempt: 1, requestId: 'req-42', step: 'inside' });
    expect(currentTask()).toBeUndefined();
  });

  it('keeps the request id on tasks enqueued by a running task, and records progress', async () => {
    const child = defineTask('child', () => currentTask()!.requestId);
    let childHandle: TaskHandle<string | undefined> | undefined;
    const parent = defineTask('parent', () => {
      const task = currentTask()!;
      task.progress(50);
      childHandle = runtime!.enqueue(child);
      task.progress(100);
    });
    let handle: AnyHandle | undefined;
    const setup = appWith((tasks) => void (handle = tasks.addTask(parent)));
    runtime = setup.runtime;
    await new TestClient(setup.app).post('/run', { headers: { 'x-request-id': 'req-7' } });
    expect(handle!.record?.progress).toBe(100);
    expect(await childHandle!.result()).toBe('req-7');
  });

  it('lets a test client collect named tasks by definition name with their arguments, or skip them', async () => {
    const ran: unknown[] = [];
    const send = defineTask('send-email', (to: string, subject: string) => void ran.push([to, subject]));
    const collecting = appWith((tasks) => void tasks.addTask(send, 'ada@example.com', 'Welcome'));
    runtime = collecting.runtime;
    const client = new TestClient(collecting.app, { tasks: 'collect' });
    await client.post('/run', { headers: { 'x-request-id': 'c1' } });
    expect(client.tasks).toEqual([{ name: 'send-email', args: ['ada@example.com', 'Welcome'], route: 'Run.run', requestId: 'c1' }]);

    const skipping = appWith((tasks) => void tasks.addTask(send, 'bob@example.com', 'Hi'));
    const skipper = new TestClient(skipping.app, { tasks: 'skip' });
    await skipper.post('/run');
    expect(skipper.tasks).toEqual([]);
    expect(ran).toEqual([]);
    await skipping.runtime.close();
  });

  it('gives an app without an attached runtime a default one', async () => {
    const ran: number[] = [];
    const add = defineTask('add-default', (n: number) => void ran.push(n));
    @Controller()
    class Plain {
      @Post('/plain')
      run(tasks: BackgroundTasks) {
        return { id: tasks.addTask(add, 1).id };
      }
    }
    const app = new App({ logger: false }).include(Plain);
    await new TestClient(app).post('/plain');
    expect(ran).toEqual([1]);
  });
});
