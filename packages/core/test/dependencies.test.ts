import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  App,
  BackgroundTasks,
  Controller,
  Depends,
  FastTsError,
  Get,
  HTTPException,
  Body,
  Int,
  Path,
  Post,
  Query,
  dependency,
} from '@fastts/core';
import { LiveTestClient, TestClient } from '@fastts/testing';
import { memoryLogger, sleep } from './helpers.js';

describe('dependencies', () => {
  it('solves app, include, controller and route dependencies, then parameters left to right (scenario 27)', async () => {
    const calls: string[] = [];
    const mark = (name: string) => Object.defineProperty(dependency([], () => void calls.push(name)), 'name', { value: name });
    const [appDep, includeDep, ctrlDep, routeDep, p1, p2] = ['app', 'include', 'controller', 'route', 'p1', 'p2'].map(mark);
    @Controller('', { dependencies: [Depends(ctrlDep!)] })
    class Ordered {
      @Get('/order', { dependencies: [Depends(routeDep!)] })
      order(@Depends(p1!) _a: unknown, @Depends(p2!) _b: unknown) {
        calls.push('endpoint');
        return calls;
      }
    }
    const app = new App({ logger: false, dependencies: [Depends(appDep!)] }).include(Ordered, { dependencies: [Depends(includeDep!)] });
    const res = await new TestClient(app).get('/order');
    expect(res.json()).toEqual(['app', 'include', 'controller', 'route', 'p1', 'p2', 'endpoint']);
  });

  it('caches per request, unless useCache is false (scenario 28)', async () => {
    let count = 0;
    const counted = dependency([], () => ++count);
    @Controller()
    class Cache {
      @Get('/count')
      run(@Depends(counted) a: number, @Depends(counted) b: number, @Depends(counted, { useCache: false }) c: number) {
        return [a, b, c];
      }
    }
    const client = new TestClient(new App({ logger: false }).include(Cache));
    expect((await client.get('/count')).json()).toEqual([1, 1, 2]);
    expect((await client.get('/count')).json()).toEqual([3, 3, 4]);
  });

  it('solves sync, async and thenable dependencies in declaration order, and answers a sync chain in the same tick', async () => {
    const calls: string[] = [];
    // Not a native promise: adopted, as `await` would (query builders return these).
    const thenable = <T>(value: T): PromiseLike<T> => ({ then: (resolve) => void setTimeout(() => resolve?.(value), 1) as unknown as PromiseLike<never> });
    const syncA = dependency([], () => (calls.push('syncA'), 1));
    const asyncB = dependency([Depends(syncA)], async (a: number) => (calls.push('asyncB'), await sleep(1), a + 1));
    const thenC = dependency([Depends(asyncB)], (b: number) => (calls.push('thenC'), thenable(b + 1)));
    const syncD = dependency([Depends(asyncB), Depends(thenC)], (b: number, c: number) => (calls.push('syncD'), b + c));
    const chain = dependency([Depends(dependency([Depends(syncA)], (a: number) => a + 1))], (b: number) => b + 1);
    const checkedA = dependency([Query('a', { type: Int })], async (a: number) => a);
    const checkedB = dependency([Query('b', { type: Int })], (b: number) => b);
    @Controller()
    class Mixed {
      @Get('/mixed')
      mixed(@Depends(syncD) d: number, @Depends(asyncB) b: number) {
        return { d, b, calls };
      }

      @Get('/chain')
      chain(@Depends(chain) value: number) {
        return { value };
      }

      @Get('/thenable')
      later() {
        return thenable({ later: true });
      }

      @Get('/checked')
      checked(@Depends(checkedA) a: number, @Depends(checkedB) b: number) {
        return { a, b };
      }
    }
    const app = new App({ logger: false }).include(Mixed);
    const client = new TestClient(app);
    // asyncB is cached for the request: one call, though three places use it.
    expect((await client.get('/mixed')).json()).toEqual({ d: 5, b: 2, calls: ['syncA', 'asyncB', 'thenC', 'syncD'] });
    expect((await client.get('/thenable')).json()).toEqual({ later: true });
    // Every invalid input is reported, from the async dependency and from the one after it.
    const invalid = await client.get('/checked?a=x&b=y');
    expect(invalid.status).toBe(422);
    expect((invalid.json() as { detail: { loc: string[] }[] }).detail.map((d) => d.loc)).toEqual([
      ['query', 'a'],
      ['query', 'b'],
    ]);
    expect((await client.get('/checked?a=1&b=2')).json()).toEqual({ a: 1, b: 2 });

    // Over a real socket: with only sync dependencies, the response is written
    // before node's request listener returns.
    const endedInListener: boolean[] = [];
    const server = createServer((req, res) => {
      app.handler(req, res);
      endedInListener.push(res.writableEnded);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const chained = await fetch(`http://127.0.0.1:${port}/chain`);
      expect(await chained.json()).toEqual({ value: 3 });
      const mixed = await fetch(`http://127.0.0.1:${port}/mixed`);
      expect(mixed.status).toBe(200);
      await mixed.arrayBuffer();
      expect(endedInListener).toEqual([true, false]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('builds class dependencies from their decorated constructor parameters (scenario 33)', async () => {
    class Pager {
      constructor(
        @Query('skip', { type: Int, default: 0 }) readonly skip: number,
        @Query('limit', { type: Int, default: 10 }) readonly limit: number,
      ) {}
    }
    @Controller()
    class Paged {
      @Get('/items')
      list(@Depends(Pager) pager: Pager) {
        return { skip: pager.skip, limit: pager.limit, isPager: pager instanceof Pager };
      }
    }
    const client = new TestClient(new App({ logger: false }).include(Paged));
    expect((await client.get('/items?skip=5')).json()).toEqual({ skip: 5, limit: 10, isPager: true });
    const bad = await client.get('/items?limit=x');
    expect(bad.status).toBe(422);
    expect(bad.json().detail[0].loc).toEqual(['query', 'limit']);
  });

  it('runs cleanups after the response and its tasks, last entered first (scenarios 19, 29)', async () => {
    const events: string[] = [];
    const outer = dependency([], async function* () {
      events.push('enter outer');
      try {
        yield 'outer';
      } finally {
        events.push('exit outer');
      }
    });
    const inner = dependency([Depends(outer)], function* (o) {
      events.push('enter inner');
      yield `${o}>inner`;
      events.push('exit inner');
    });
    @Controller()
    class Cleans {
      @Post('/clean')
      run(@Depends(inner) value: string, tasks: BackgroundTasks) {
        events.push(`endpoint ${value}`);
        tasks.addTask(async () => {
          await sleep(50);
          events.push('task');
        });
        return {};
      }
    }
    const app = new App({ logger: false }).include(Cleans);
    const client = await LiveTestClient.start(app, { waitForTasks: false });
    try {
      await client.post('/clean');
      events.push('response received');
      await client.waitForTasks();
    } finally {
      await client.close();
    }
    expect(events).toEqual(['enter outer', 'enter inner', 'endpoint outer>inner', 'response received', 'task', 'exit inner', 'exit outer']);
  });

  it('throws the handler\'s error into cleanups, which may turn it into an HTTPException (scenario 30)', async () => {
    const seen: string[] = [];
    const converts = dependency([], function* () {
      try {
        yield null;
      } catch (err) {
        seen.push((err as Error).message);
        throw new HTTPException(418, 'converted in dep');
      }
    });
    @Controller()
    class Converting {
      @Get('/convert')
      run(@Depends(converts) _: unknown) {
        throw new Error('value error');
      }
    }
    const res = await new TestClient(new App({ logger: false }).include(Converting)).get('/convert');
    expect(res.status).toBe(418);
    expect(res.json()).toEqual({ detail: 'converted in dep' });
    expect(seen).toEqual(['value error']);
  });

  it('answers 500 and says so when a cleanup swallows the error (scenario 31)', async () => {
    const logger = memoryLogger();
    const swallows = dependency([], function* () {
      try {
        yield null;
      } catch {
        // swallowed
      }
    });
    @Controller()
    class Swallowing {
      @Get('/swallow')
      run(@Depends(swallows) _: unknown) {
        throw new Error('lost');
      }
    }
    const res = await new TestClient(new App({ logger }).include(Swallowing), { raiseServerExceptions: false }).get('/swallow');
    expect(res.status).toBe(500);
    const entry = logger.entries.find((e) => e.msg === 'unhandled error');
    expect((entry?.obj['err'] as FastTsError).code).toBe('FASTTS_ERR_CLEANUP_SWALLOWED');
    expect(((entry?.obj['err'] as Error).cause as Error).message).toBe('lost');
  });

  it('warns about a task added in cleanup code, which never runs (FastAPI parity)', async () => {
    const logger = memoryLogger();
    const ran: string[] = [];
    const late = dependency([BackgroundTasks], function* (tasks) {
      yield null;
      tasks.addTask(function tooLate() {
        ran.push('late');
      });
    });
    @Controller()
    class Late {
      @Post('/late')
      run(@Depends(late) _: unknown, tasks: BackgroundTasks) {
        tasks.addTask(() => void ran.push('on time'));
        return {};
      }
    }
    await new TestClient(new App({ logger }).include(Late)).post('/late');
    expect(ran).toEqual(['on time']);
    expect(logger.entries.find((e) => e.level === 'warn')?.obj).toMatchObject({ task: 'tooLate', route: 'Late.run' });
  });

  it('hands a failed task\'s error to cleanups, which still run', async () => {
    const seen: string[] = [];
    const tx = dependency([], function* () {
      try {
        yield null;
        seen.push('commit');
      } catch (err) {
        seen.push(`rollback: ${(err as Error).message}`);
      } finally {
        seen.push('closed');
      }
    });
    @Controller()
    class Tx {
      @Post('/tx')
      run(@Depends(tx) _: unknown, tasks: BackgroundTasks) {
        tasks.addTask(() => {
          throw new Error('task failed');
        });
        return {};
      }
    }
    const client = new TestClient(new App({ logger: false }).include(Tx), { raiseTaskErrors: false });
    expect((await client.post('/tx')).status).toBe(200);
    expect(seen).toEqual(['rollback: task failed', 'closed']);
  });

  it('applies overrides everywhere the original is used, and restores it when cleared (scenario 32)', async () => {
    const original = dependency([], () => 'orig');
    const usesOriginal = dependency([Depends(original)], (v) => `sub:${v}`);
    @Controller()
    class Overridden {
      @Get('/ov')
      run(@Depends(original) direct: string, @Depends(usesOriginal) viaSub: string) {
        return { direct, viaSub };
      }
    }
    const app = new App({ logger: false }).include(Overridden);
    const client = new TestClient(app);
    expect((await client.get('/ov')).json()).toEqual({ direct: 'orig', viaSub: 'sub:orig' });
    app.dependencyOverrides.set(original, () => 'over');
    expect((await client.get('/ov')).json()).toEqual({ direct: 'over', viaSub: 'sub:over' });
    app.dependencyOverrides.clear();
    expect((await client.get('/ov')).json()).toEqual({ direct: 'orig', viaSub: 'sub:orig' });
  });

  it('refuses, at compile time, what it cannot solve', () => {
    const compile = (ctrl: new () => object) => () => new App({ logger: false }).include(ctrl).compile();
    const undeclared = (a: string) => a;
    @Controller()
    class A {
      @Get('/a')
      a(@Depends(undeclared) _: string) {}
    }
    expect(compile(A)).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_DEPENDENCY_PARAMS' }));

    @Controller()
    class B {
      @Get('/b')
      b(_plain: string) {}
    }
    expect(compile(B)).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_PARAM_UNDECLARED' }));

    @Controller()
    class C {
      @Get('/c')
      c(@Query('q') _q: number | null) {}
    }
    expect(compile(C)).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_PARAM_TYPE_AMBIGUOUS' }));

    @Controller()
    class D {
      @Get('/d/{id}')
      d(@Query('q') _q: string, @Depends(dependency([Query('x')], (x) => x)) _x: string, @Depends(dependency([], () => 1)) _y: number) {}
      @Get('/d2')
      d2(@Depends(dependency([Query('x')], (x) => x)) _x: string, @Query('id') _id: string) {}
    }
    expect(compile(D)).not.toThrow();

    @Controller()
    class E {
      @Get('/e/{id}')
      e(@Path('other') _o: string) {}
    }
    expect(compile(E)).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_PATH_PARAM_UNKNOWN' }));

    class NotInjectable {
      constructor(readonly tasks: BackgroundTasks) {}
    }
    @Controller()
    class Svc {
      @Post('/svc')
      svc(@Depends(NotInjectable) _s: NotInjectable) {}
    }
    expect(compile(Svc)).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_NO_DESIGN_TYPES', message: expect.stringContaining('@Injectable()') }));

    @Controller()
    class G {
      @Get('/g')
      g(@Query('ids') _ids: number[]) {}
    }
    expect(compile(G)).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_PARAM_TYPE_AMBIGUOUS' }));

    class Undecorated {
      name!: string;
    }
    @Controller()
    class H {
      @Post('/h')
      h(@Body() _body: Undecorated) {}
    }
    expect(compile(H)).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_MODEL_EMPTY' }));

    const cycleA: Function = dependency([], () => 1);
    const cycleB = dependency([Depends(cycleA)], (a) => a);
    @Controller()
    class F {
      @Get('/f')
      f(@Depends(cycleB) _: unknown) {}
    }
    const app = new App({ logger: false }).include(F);
    app.dependencyOverrides.set(cycleA, cycleB);
    expect(() => app.compile()).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_DEPENDENCY_CYCLE' }));
  });
});
