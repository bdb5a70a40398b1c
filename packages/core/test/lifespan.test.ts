import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { App, BackgroundTasks, Controller, Depends, FastTsError, Get, Request, dependency } from '@fastts/core';
import { logLines, type LogLine } from '../../../test/log-lines.js';
import { memoryLogger } from './helpers.js';

// The lifespan over real sockets: its start runs before the port is open,
// its stop after the drain, and what it yields is app.state.

declare module '@fastts/core' {
  interface AppState {
    /** Set by the lifespans of this file. */
    db?: { name: string; open: boolean };
    hits?: number;
  }
}

/** A loopback port that was free a moment ago (the tests listen on it later, to knock before that). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether a TCP connection to the port is accepted. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('the lifespan', () => {
  it('starts before the server accepts a connection, and stops after the drain', async () => {
    const events: string[] = [];
    const startMayEnd = gate();
    const handlerEntered = gate();
    const handlerMayEnd = gate();

    @Controller()
    class Work {
      @Get('/work')
      async work(tasks: BackgroundTasks) {
        events.push('handler');
        handlerEntered.open();
        await handlerMayEnd.promise;
        tasks.addTask(async () => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          events.push('background task');
        });
        return { done: true };
      }
    }

    const app = new App({
      logger: false,
      async *lifespan() {
        events.push('lifespan start');
        await startMayEnd.promise;
        yield;
        events.push('lifespan stop');
      },
    }).include(Work);
    app.onStartup(() => void events.push('startup hook'));
    app.onClose(() => void events.push('close hook'));

    const port = await freePort();
    const listening = app.listen(port);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events).toEqual(['lifespan start']);
    expect(await accepts(port)).toBe(false);
    startMayEnd.open();
    await listening;
    expect(events).toEqual(['lifespan start', 'startup hook']);

    const response = fetch(`http://127.0.0.1:${port}/work`);
    await handlerEntered.promise;
    const closed = app.close();
    handlerMayEnd.open();
    expect(await (await response).json()).toEqual({ done: true });
    expect(await closed).toEqual({ abandoned: [] });
    expect(events).toEqual(['lifespan start', 'startup hook', 'handler', 'background task', 'close hook', 'lifespan stop']);
    expect(await accepts(port)).toBe(false);
  });

  it('merges what it yields into app.state, which handlers and dependencies reach through request.app', async () => {
    const db = { name: 'main', open: false };
    const dbOf = dependency([Request], (request: Request) => request.app.state.db!);

    @Controller()
    class Items {
      @Get('/items')
      items(request: Request, @Depends(dbOf) fromDependency: { name: string; open: boolean }) {
        request.app.state.hits = (request.app.state.hits ?? 0) + 1;
        // request.state is per request: it never sees another request's values.
        const seen = request.state['seen'];
        request.state['seen'] = true;
        return { handler: request.app.state.db, dependency: fromDependency, same: fromDependency === request.app.state.db, hits: request.app.state.hits, seen };
      }
    }

    const app = new App({
      logger: false,
      async *lifespan() {
        db.open = true;
        yield { db };
        db.open = false;
      },
    }).include(Items);
    expect(app.state.db).toBeUndefined();
    const { port } = await app.listen(0);
    try {
      expect(app.state.db).toBe(db);
      for (const hits of [1, 2]) {
        const body = await (await fetch(`http://127.0.0.1:${port}/items`)).json();
        expect(body).toEqual({ handler: { name: 'main', open: true }, dependency: { name: 'main', open: true }, same: true, hits });
      }
    } finally {
      await app.close();
    }
    expect(db.open).toBe(false);
  });

  it('a start that throws rejects listen() with FASTTS_ERR_STARTUP_FAILED and never listens', async () => {
    const reason = new Error('database unreachable');
    const app = new App({
      logger: false,
      // Fails before its yield, as a database that cannot be reached would.
      async *lifespan() {
        throw reason;
      },
    });
    const port = await freePort();
    const failure = await app.listen(port).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(FastTsError);
    expect(failure).toMatchObject({ code: 'FASTTS_ERR_STARTUP_FAILED', message: 'the app failed to start: database unreachable', cause: reason });
    expect(app.server).toBeUndefined();
    expect(await accepts(port)).toBe(false);
  });

  it('a startup hook that throws stops the lifespan that had started, then rejects', async () => {
    const events: string[] = [];
    const app = new App({
      logger: false,
      async *lifespan() {
        events.push('start');
        yield;
        events.push('stop');
      },
    });
    app.onStartup(() => {
      throw new Error('migrations failed');
    });
    await expect(app.listen(0)).rejects.toMatchObject({ code: 'FASTTS_ERR_STARTUP_FAILED', message: 'the app failed to start: migrations failed' });
    expect(events).toEqual(['start', 'stop']);
    expect(app.server).toBeUndefined();
    // Nothing is left running: close() has no lifespan to stop again.
    await app.close();
    expect(events).toEqual(['start', 'stop']);
  });

  it('runs once per start and stop: listen after close starts it again; a failing stop is logged', async () => {
    let starts = 0;
    const logger = memoryLogger();
    const app = new App({
      logger,
      async *lifespan() {
        starts++;
        yield;
        throw new Error('pool already closed');
      },
    });
    await app.start();
    await app.listen(0);
    expect(starts).toBe(1);
    await app.close();
    expect(logger.entries.filter((e) => e.msg === 'lifespan stop failed')).toHaveLength(1);
    await app.listen(0);
    await app.close();
    expect(starts).toBe(2);
    expect(logger.entries.filter((e) => e.msg === 'lifespan stop failed')).toHaveLength(2);
  });
});

// serve() in a real process (core's built JS): a start that fails exits 1 with its message, never listening.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/lifespan-fails.mjs', import.meta.url));

describe('serve() and a failing start', () => {
  beforeAll(async () => {
    await promisify(execFile)('npx', ['turbo', 'run', 'build', '--filter=@fastts/core', '--output-logs=errors-only'], { cwd: root });
  }, 120_000);

  it('logs the error and exits with code 1 without listening', async () => {
    const child = spawn(process.execPath, [fixture], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: LogLine[] = logLines(child.stdout);
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    try {
      const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
      expect({ code, signal }).toEqual({ code: 1, signal: null });
      const failed = lines.find((line) => line['msg'] === 'the app failed to start');
      expect(failed?.['code']).toBe('FASTTS_ERR_STARTUP_FAILED');
      // pino's serializer appends the cause's message to the error's.
      expect((failed?.['err'] as { message?: string })?.message).toMatch(/^the app failed to start: database unreachable/);
      expect(lines.some((line) => line['msg'] === 'listening')).toBe(false);
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
    }
  }, 30_000);
});
