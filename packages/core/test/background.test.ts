import { afterEach, describe, expect, it } from 'vitest';
import { Client } from 'undici';
import {
  App,
  BackgroundTask,
  BackgroundTasks,
  Controller,
  Depends,
  Get,
  HTTPException,
  Injectable,
  JSONResponse,
  PlainTextResponse,
  Post,
  Query,
  dependency,
} from '@fastts/core';
import { LiveTestClient } from '@fastts/testing';
import { memoryLogger, sleep } from './helpers.js';

// Behaviour of background tasks over real sockets: when they run, in what
// order, with which instance, and what happens when things fail.

let client: LiveTestClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

describe('when tasks run', () => {
  it('sends the whole response before a 300 ms task ends', async () => {
    const events: string[] = [];
    @Controller()
    class Slow {
      @Post('/slow')
      slow(tasks: BackgroundTasks) {
        tasks.addTask(async () => {
          events.push('task-start');
          await sleep(300);
          events.push('task-end');
        });
        return { ok: true };
      }
    }
    client = await LiveTestClient.start(new App({ logger: false }).include(Slow), { waitForTasks: false });
    const started = performance.now();
    const res = await client.post('/slow');
    const elapsed = performance.now() - started;
    expect(res.json()).toEqual({ ok: true });
    expect(elapsed).toBeLessThan(300);
    expect(events).not.toContain('task-end');
    await client.waitForTasks();
    expect(events).toEqual(['task-start', 'task-end']);
  });

  it('starts tasks only after the last byte of the body is written', async () => {
    const events: string[] = [];
    @Controller()
    class Big {
      @Get('/big')
      big(tasks: BackgroundTasks) {
        tasks.addTask(() => void events.push('task'));
        return new PlainTextResponse('x'.repeat(4 * 1024 * 1024));
      }
    }
    const app = new App({ logger: false }).include(Big);
    app.compile();
    // Watch the server's own response object: 'finish' means the body is fully handed to the OS.
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      res.on('finish', () => events.push('finish'));
      app.handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${port}/big`);
    expect((await res.text()).length).toBe(4 * 1024 * 1024);
    await app.backgroundIdle();
    expect(events).toEqual(['finish', 'task']);
    await new Promise((resolve) => server.close(resolve));
  });

  it('runs tasks in the order added: sub-dependency, dependency, endpoint; one instance per request', async () => {
    const order: string[] = [];
    const seen = new Set<BackgroundTasks>();
    const perRequest: BackgroundTasks[][] = [];
    const record = (req: string, name: string) => void order.push(`${req}:${name}`);
    const inner = dependency([BackgroundTasks, Query('req')], (tasks, req) => {
      seen.add(tasks);
      tasks.addTask(record, req, 'inner');
      return tasks;
    });
    const outer = dependency([BackgroundTasks, Depends(inner), Query('req')], (tasks, innerTasks, req) => {
      tasks.addTask(record, req, 'outer');
      return [tasks, innerTasks];
    });
    @Controller()
    class Ordered {
      @Post('/ordered')
      run(@Depends(outer) fromDeps: BackgroundTasks[], @Query('req') req: string, tasks: BackgroundTasks) {
        perRequest.push([...fromDeps, tasks]);
        tasks.addTask(record, req, 'endpoint-1');
        tasks.addTask(async (r: string, n: string) => {
          await sleep(5);
          record(r, n);
        }, req, 'endpoint-2');
        return { ok: true };
      }
    }
    client = await LiveTestClient.start(new App({ logger: false }).include(Ordered), { connections: 2 });
    await Promise.all([client.post('/ordered?req=a'), client.post('/ordered?req=b')]);
    expect(perRequest).toHaveLength(2);
    for (const instances of perRequest) expect(new Set(instances).size).toBe(1);
    expect(perRequest[0]![0]).not.toBe(perRequest[1]![0]);
    expect(seen.size).toBe(2);
    for (const req of ['a', 'b']) {
      expect(order.filter((e) => e.startsWith(`${req}:`))).toEqual([`${req}:inner`, `${req}:outer`, `${req}:endpoint-1`, `${req}:endpoint-2`]);
    }
  });

  it('keeps each request\'s tasks in order dependency → endpoint', async () => {
    const log: string[] = [];
    const addsTask = dependency([BackgroundTasks], (tasks) => tasks.addTask(() => void log.push('dependency')));
    @Controller()
    class One {
      @Post('/one')
      one(@Depends(addsTask) _: unknown, tasks: BackgroundTasks) {
        tasks.addTask(() => void log.push('endpoint'));
        return null;
      }
    }
    client = await LiveTestClient.start(new App({ logger: false }).include(One));
    const res = await client.post('/one');
    expect(res.text).toBe('null');
    expect(log).toEqual(['dependency', 'endpoint']);
  });

  it('adds the tasks of a cached dependency once', async () => {
    let calls = 0;
    const log: string[] = [];
    const counted = dependency([BackgroundTasks], (tasks) => {
      calls++;
      tasks.addTask(() => void log.push('counted'));
      return calls;
    });
    const usesCounted = dependency([Depends(counted)], (n) => n);
    @Controller()
    class Cached {
      @Post('/cached')
      run(@Depends(counted) a: number, @Depends(usesCounted) b: number) {
        return { a, b };
      }
    }
    client = await LiveTestClient.start(new App({ logger: false }).include(Cached));
    const res = await client.post('/cached');
    expect(res.json()).toEqual({ a: 1, b: 1 });
    expect(log).toEqual(['counted']);
  });

  it('runs a task added while the tasks are running', async () => {
    const log: string[] = [];
    @Controller()
    class Chain {
      @Post('/chain')
      chain(tasks: BackgroundTasks) {
        tasks.addTask(() => {
          log.push('first');
          tasks.addTask(() => void log.push('added-later'));
        });
        return {};
      }
    }
    client = await LiveTestClient.start(new App({ logger: false }).include(Chain));
    await client.post('/chain');
    expect(log).toEqual(['first', 'added-later']);
  });

  it('runs what is pushed to the live `tasks` list, whether it was read with one task, none or several', async () => {
    const log: string[] = [];
    const note = (what: string) => void log.push(what);
    @Controller()
    class Lists {
      @Post('/one')
      one(tasks: BackgroundTasks) {
        tasks.addTask(note, 'one');
        tasks.tasks.push(new BackgroundTask(note, 'pushed after one'));
        tasks.addTask(note, 'added after the push');
        return { size: tasks.size };
      }
      @Post('/none')
      none(tasks: BackgroundTasks) {
        tasks.tasks.push(new BackgroundTask(note, 'pushed to an empty list'));
        tasks.addTask(note, 'added after it');
        return { size: tasks.size };
      }
      @Post('/two')
      two(tasks: BackgroundTasks) {
        tasks.addTask(note, 'first of two');
        tasks.addTask(note, 'second of two');
        const names = tasks.tasks.map((task) => task.args[0]);
        return { size: tasks.size, names };
      }
    }
    client = await LiveTestClient.start(new App({ logger: false }).include(Lists));
    expect((await client.post('/one')).json()).toEqual({ size: 3 });
    expect((await client.post('/none')).json()).toEqual({ size: 2 });
    expect((await client.post('/two')).json()).toEqual({ size: 2, names: ['first of two', 'second of two'] });
    expect(log).toEqual(['one', 'pushed after one', 'added after the push', 'pushed to an empty list', 'added after it', 'first of two', 'second of two']);
  });

  it('moves on once per task, even when a task returns a thenable that settles twice', async () => {
    const log: string[] = [];
    @Controller()
    class Thenables {
      @Post('/thenable')
      thenable(tasks: BackgroundTasks) {
        // Not a native promise: calls both of its callbacks, twice each.
        tasks.addTask(() => ({
          then(resolve: () => void, reject: (e: unknown) => void) {
            log.push('awaited');
            resolve();
            resolve();
            reject(new Error('ignored'));
          },
        }));
        tasks.addTask(() => void log.push('next'));
        return {};
      }
    }
    const logger = memoryLogger();
    client = await LiveTestClient.start(new App({ logger }).include(Thenables));
    await client.post('/thenable');
    await sleep(20);
    expect(log).toEqual(['awaited', 'next']);
    expect(logger.entries.filter((e) => e.level === 'error')).toEqual([]);
  });

  it('injects BackgroundTasks into class dependencies', async () => {
    const log: string[] = [];
    @Injectable()
    class Notifier {
      constructor(readonly tasks: BackgroundTasks) {}
      notify(who: string) {
        this.tasks.addTask((w: string) => void log.push(`notified ${w}`), who);
      }
    }
    @Controller()
    class Notify {
      @Post('/notify')
      run(@Depends(Notifier) notifier: Notifier, tasks: BackgroundTasks) {
        notifier.notify('ann');
        tasks.addTask(() => void log.push(`same instance: ${notifier.tasks === tasks}`));
        return {};
      }
    }
    client = await LiveTestClient.start(new App({ logger: false }).include(Notify));
    await client.post('/notify');
    expect(log).toEqual(['notified ann', 'same instance: true']);
  });
});

describe('tasks attached to a returned Response', () => {
  it('runs the injected tasks, then the response\'s own (FastAPI drops the injected ones)', async () => {
    const log: string[] = [];
    @Controller()
    class Merge {
      @Post('/merge')
      merge(tasks: BackgroundTasks) {
        tasks.addTask(() => void log.push('injected'));
        return new PlainTextResponse('hi', { background: new BackgroundTask(() => void log.push('own')) });
      }
    }
    client = await LiveTestClient.start(new App({ logger: false }).include(Merge));
    const res = await client.post('/merge');
    expect(res.text).toBe('hi');
    expect(log).toEqual(['injected', 'own']);
  });

  it('runs a BackgroundTasks built by hand, and the injected instance attached by hand only once', async () => {
    const log: string[] = [];
    @Controller()
    class ByHand {
      @Post('/by-hand')
      byHand() {
        const tasks = new BackgroundTasks();
        tasks.addTask((n: number) => void log.push(`hand ${n}`), 1);
        tasks.addTask((n: number) => void log.push(`hand ${n}`), 2);
        return new JSONResponse({ ok: true }, { background: tasks });
      }

      @Post('/attached')
      attached(tasks: BackgroundTasks) {
        tasks.addTask(() => void log.push('attached'));
        return new JSONResponse({ ok: true }, { background: tasks });
      }
    }
    client = await LiveTestClient.start(new App({ logger: false }).include(ByHand));
    await client.post('/by-hand');
    await client.post('/attached');
    expect(log).toEqual(['hand 1', 'hand 2', 'attached']);
  });

  it('never mutates a shared Response: each request runs only its own tasks', async () => {
    const log: string[] = [];
    const shared = new JSONResponse({ ok: true });
    @Controller()
    class Shared {
      @Post('/shared')
      run(@Query('n') n: string, tasks: BackgroundTasks) {
        tasks.addTask((value: string) => void log.push(value), n);
        return shared;
      }
    }
    client = await LiveTestClient.start(new App({ logger: false }).include(Shared));
    await client.post('/shared?n=1');
    await client.post('/shared?n=2');
    expect(log).toEqual(['1', '2']);
    expect(shared.background).toBeUndefined();
  });
});

describe('failures', () => {
  it('reports a failing task, runs the next one, and keeps the connection serving', async () => {
    const log: string[] = [];
    const reported: { message: string; task: string; route: string; requestId: string }[] = [];
    const logger = memoryLogger();
    @Controller()
    class Failing {
      @Post('/fail')
      fail(tasks: BackgroundTasks) {
        tasks.addTask(function before() {
          log.push('before');
        });
        tasks.addTask(function explode() {
          throw new Error('boom');
        });
        tasks.addTask(function after() {
          log.push('after');
        });
        return { ok: true };
      }

      @Get('/next')
      next() {
        return { next: true };
      }
    }
    const app = new App({
      logger,
      onTaskError: (error, info) => void reported.push({ message: (error as Error).message, ...info }),
    }).include(Failing);
    const { port } = await app.listen(0);
    // One undici Client with one connection: both requests travel on the same socket.
    const conn = new Client(`http://127.0.0.1:${port}`, { pipelining: 1 });
    const sockets: string[] = [];
    conn.on('connect', () => sockets.push('connect'));
    try {
      const first = await conn.request({ method: 'POST', path: '/fail', headers: { 'x-request-id': 'req-1' } });
      expect(first.statusCode).toBe(200);
      expect(await first.body.json()).toEqual({ ok: true });
      await app.backgroundIdle();
      const second = await conn.request({ method: 'GET', path: '/next' });
      expect(second.statusCode).toBe(200);
      expect(await second.body.json()).toEqual({ next: true });
      expect(sockets).toEqual(['connect']);
    } finally {
      await conn.close();
      await app.close();
    }
    expect(log).toEqual(['before', 'after']);
    expect(reported).toEqual([{ message: 'boom', task: 'explode', route: 'Failing.fail', requestId: 'req-1' }]);
    const entry = logger.entries.find((e) => e.msg === 'background task failed');
    expect(entry?.level).toBe('error');
    expect(entry?.obj).toMatchObject({ task: 'explode', route: 'Failing.fail', requestId: 'req-1' });
  });

  it('runs no task when the handler throws after adding one', async () => {
    const log: string[] = [];
    @Controller()
    class Throws {
      @Post('/http')
      http(tasks: BackgroundTasks) {
        tasks.addTask(() => void log.push('http'));
        throw new HTTPException(404, 'nope');
      }

      @Post('/error')
      error(tasks: BackgroundTasks) {
        tasks.addTask(() => void log.push('error'));
        throw new Error('unexpected');
      }

      @Post('/invalid')
      invalid(@Depends(dependency([BackgroundTasks], (t) => t.addTask(() => void log.push('dep')))) _: unknown, @Query('q', { type: Number }) q: number) {
        return { q };
      }
    }
    client = await LiveTestClient.start(new App({ logger: false }).include(Throws), { raiseServerExceptions: false });
    const http = await client.post('/http');
    expect(http.status).toBe(404);
    expect(http.json()).toEqual({ detail: 'nope' });
    const error = await client.post('/error');
    expect(error.status).toBe(500);
    expect(error.text).toBe('Internal Server Error');
    const invalid = await client.post('/invalid?q=abc');
    expect(invalid.status).toBe(422);
    await client.waitForTasks();
    expect(log).toEqual([]);
  });

  it('answers HEAD on a GET route with the headers and no body, and runs its task', async () => {
    const log: string[] = [];
    @Controller()
    class Headed {
      @Get('/thing')
      thing(tasks: BackgroundTasks) {
        tasks.addTask(() => void log.push('task'));
        return { thing: 1 };
      }
    }
    client = await LiveTestClient.start(new App({ logger: false }).include(Headed));
    const get = await client.get('/thing');
    const head = await client.head('/thing');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect(head.headers['content-type']).toBe('application/json');
    expect(log).toEqual(['task', 'task']);
  });
});

describe('shutdown', () => {
  it('close() waits for a running task', async () => {
    const log: string[] = [];
    @Controller()
    class Draining {
      @Post('/work')
      work(tasks: BackgroundTasks) {
        tasks.addTask(async () => {
          await sleep(200);
          log.push('done');
        });
        return {};
      }
    }
    const app = new App({ logger: false }).include(Draining);
    const { port } = await app.listen(0);
    const res = await fetch(`http://127.0.0.1:${port}/work`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(log).toEqual([]);
    const result = await app.close({ timeoutMs: 5000 });
    expect(log).toEqual(['done']);
    expect(result.abandoned).toEqual([]);
  });

  it('close() gives up after its deadline and names the abandoned tasks', async () => {
    const logger = memoryLogger();
    @Controller()
    class Stuck {
      @Post('/stuck')
      stuck(tasks: BackgroundTasks) {
        tasks.addTask(async function slowReport() {
          await sleep(2000);
        });
        tasks.addTask(function afterReport() {});
        return {};
      }
    }
    const app = new App({ logger }).include(Stuck);
    const { port } = await app.listen(0);
    await fetch(`http://127.0.0.1:${port}/stuck`, { method: 'POST' });
    const started = performance.now();
    const result = await app.close({ timeoutMs: 100 });
    expect(performance.now() - started).toBeLessThan(1500);
    expect(result.abandoned).toEqual(['slowReport', 'afterReport']);
    expect(logger.entries.find((e) => e.level === 'warn')?.obj).toMatchObject({ abandoned: ['slowReport', 'afterReport'] });
  });
});

describe('test clients and task failures', () => {
  it('blames a failed task on the request that added it, not on a concurrent one', async () => {
    const { BackgroundTaskError } = await import('@fastts/testing');
    @Controller()
    class Mixed {
      @Post('/fails')
      fails(tasks: BackgroundTasks) {
        tasks.addTask(async function failing() {
          await sleep(50);
          throw new Error('boom');
        });
        return {};
      }

      @Post('/fine')
      fine(tasks: BackgroundTasks) {
        tasks.addTask(() => {});
        return {};
      }
    }
    client = await LiveTestClient.start(new App({ logger: false }).include(Mixed), { connections: 2 });
    const [failing, fine] = await Promise.allSettled([client.post('/fails'), client.post('/fine')]);
    expect(failing.status).toBe('rejected');
    expect((failing as PromiseRejectedResult).reason).toBeInstanceOf(BackgroundTaskError);
    expect(fine.status).toBe('fulfilled');
  });
});
