import { afterEach, describe, expect, it } from 'vitest';
import {
  App,
  BackgroundTask,
  BackgroundTasks,
  Controller,
  Depends,
  FastTsError,
  HTTPException,
  Post,
  Query,
  dependency,
} from '@fastts/core';
import { kCreateTask, trackWork, type TaskFactory, type TaskRunContext } from '@fastts/core/extend';
import { LiveTestClient, TestClient } from '@fastts/testing';
import { sleep } from './helpers.js';

// The extension points @fastts/tasks builds on: task factories, runOn,
// per-run abort signals, tracked outside work, collect/skip modes, scopes.

/** A minimal task definition: what @fastts/tasks does, reduced to the protocol. */
function definition<A extends unknown[]>(name: string, fn: (...args: A) => unknown, runOn: 'success' | 'always' = 'success'): TaskFactory<A, { id: string; contexts: TaskRunContext[] }> {
  let n = 0;
  return {
    [kCreateTask](args: A) {
      const handle = { id: `${name}-${++n}`, contexts: [] as TaskRunContext[] };
      const task = new (class extends BackgroundTask<A> {
        override get name() {
          return name;
        }
        override async run(context?: TaskRunContext) {
          if (context) handle.contexts.push(context);
          await fn(...this.args);
        }
      })(fn, ...args);
      task.runOn = runOn;
      return Object.assign(task, { handle });
    },
  };
}

let client: LiveTestClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

describe('hooks for task runtimes', () => {
  it('lets addTask take a task definition and return its handle', async () => {
    const log: string[] = [];
    const send = definition('send', (to: string) => void log.push(`send ${to}`));
    const handles: { id: string; contexts: TaskRunContext[] }[] = [];
    @Controller()
    class Defs {
      @Post('/def')
      run(tasks: BackgroundTasks) {
        handles.push(tasks.addTask(send, 'ann'));
        return { id: handles.at(-1)!.id };
      }
    }
    const app = new App({ logger: false }).include(Defs);
    const res = await new TestClient(app).post('/def', { headers: { 'x-request-id': 'r1' } });
    expect(res.json()).toEqual({ id: 'send-1' });
    expect(log).toEqual(['send ann']);
    expect(handles[0]!.contexts[0]).toMatchObject({ requestId: 'r1', route: 'Defs.run', app });
    expect(handles[0]!.contexts[0]!.signal.aborted).toBe(false);
  });

  it('tells a task definition where it was added, and tells a task when it is dropped', async () => {
    const origins: unknown[] = [];
    const dropped: string[] = [];
    const probe: TaskFactory<[], string> = {
      [kCreateTask](_args, origin) {
        origins.push(origin && { route: origin.route, requestId: origin.requestId, app: origin.app });
        const task = new (class extends BackgroundTask<[]> {
          override discard(reason: string) {
            dropped.push(reason);
          }
        })(() => {});
        return Object.assign(task, { handle: 'h' });
      },
    };
    @Controller()
    class Probe {
      @Post('/probe')
      run(tasks: BackgroundTasks) {
        tasks.addTask(probe);
        new BackgroundTasks().addTask(probe);
        throw new HTTPException(400);
      }
    }
    const app = new App({ logger: false }).include(Probe);
    await new TestClient(app).post('/probe', { headers: { 'x-request-id': 'o1' } });
    expect(origins).toEqual([{ route: 'Probe.run', requestId: 'o1', app }, undefined]);
    expect(dropped).toEqual(['handler-failed']);
  });

  it('runs close hooks after the drain', async () => {
    const app = new App({ logger: false });
    const order: string[] = [];
    app.onClose(() => void order.push('first')).onClose(async () => {
      throw new Error('hook broke');
    }).onClose(() => void order.push('third'));
    await app.close();
    expect(order).toEqual(['first', 'third']);
  });

  it('runs tasks marked runOn always after a failed handler, and only those', async () => {
    const log: string[] = [];
    const audit = definition('audit', (what: string) => void log.push(`audit ${what}`), 'always');
    @Controller()
    class Fails {
      @Post('/fails')
      run(tasks: BackgroundTasks) {
        tasks.addTask(audit, 'attempt');
        tasks.addTask(() => void log.push('normal'));
        throw new HTTPException(409, 'conflict');
      }
    }
    const res = await new TestClient(new App({ logger: false }).include(Fails)).post('/fails');
    expect(res.status).toBe(409);
    expect(log).toEqual(['audit attempt']);
  });

  it('aborts the signal of a task close() gives up on', async () => {
    const slow = definition('slow', () => sleep(1000));
    const handles: { contexts: TaskRunContext[] }[] = [];
    @Controller()
    class Slow {
      @Post('/slow')
      run(tasks: BackgroundTasks) {
        handles.push(tasks.addTask(slow));
        return {};
      }
    }
    const app = new App({ logger: false }).include(Slow);
    const { port } = await app.listen(0);
    await fetch(`http://127.0.0.1:${port}/slow`, { method: 'POST' });
    await sleep(20);
    const signal = handles[0]!.contexts[0]!.signal;
    expect(signal.aborted).toBe(false);
    const result = await app.close({ timeoutMs: 50 });
    expect(result.abandoned).toEqual(['slow']);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(Error);
  });

  it('waits for, and names, work registered with trackWork()', async () => {
    const app = new App({ logger: false });
    let aborted: unknown;
    const work = trackWork(app, { pendingNames: () => ['queued-report'], abort: (reason) => (aborted = reason) });
    let idle = false;
    void app.backgroundIdle().then(() => (idle = true));
    await sleep(10);
    expect(idle).toBe(false);
    const result = await app.close({ timeoutMs: 30 });
    expect(result.abandoned).toEqual(['queued-report']);
    expect(aborted).toBeInstanceOf(Error);
    work.end();
    await app.backgroundIdle();
  });

  it('collects or skips tasks for tests', async () => {
    const log: string[] = [];
    @Controller()
    class Adds {
      @Post('/adds')
      run(@Query('n') n: string, tasks: BackgroundTasks) {
        tasks.addTask(function notify(who: string) {
          log.push(who);
        }, n);
        return {};
      }
    }
    const collecting = new TestClient(new App({ logger: false }).include(Adds), { tasks: 'collect' });
    await collecting.post('/adds?n=ann', { headers: { 'x-request-id': 'c1' } });
    expect(collecting.tasks).toEqual([{ name: 'notify', args: ['ann'], route: 'Adds.run', requestId: 'c1' }]);
    const skipping = new TestClient(new App({ logger: false }).include(Adds), { tasks: 'skip' });
    await skipping.post('/adds?n=bob');
    expect(skipping.tasks).toEqual([]);
    expect(log).toEqual([]);
  });

  it('solves dependencies outside a request, cleans them up, and refuses request data', async () => {
    const events: string[] = [];
    const getDb = dependency([], async function* () {
      events.push('open');
      try {
        yield { query: () => 42 };
      } catch (err) {
        events.push(`rollback ${(err as Error).message}`);
        throw err;
      } finally {
        events.push('close');
      }
    });
    const repo = dependency([Depends(getDb)], (db) => ({ count: () => db.query() }));
    const app = new App({ logger: false });
    const scope = app.createScope();
    const r = await scope.resolve(repo);
    expect(r.count()).toBe(42);
    expect(await scope.resolve(getDb)).toBe(await scope.resolve(getDb));
    await scope.close();
    expect(events).toEqual(['open', 'close']);

    const failing = app.createScope();
    await failing.resolve(getDb);
    await expect(failing.close(new Error('task broke'))).resolves.toBeUndefined();
    expect(events.slice(2)).toEqual(['open', 'rollback task broke', 'close']);

    const readsQuery = dependency([Query('q')], (q) => q);
    await expect(app.createScope().resolve(readsQuery)).rejects.toBeInstanceOf(FastTsError);
  });
});
