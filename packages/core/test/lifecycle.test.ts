import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from 'undici';
import { App, BackgroundTask, BackgroundTasks, Controller, FileResponse, Get, Injectable, Int, Path, Post, Query, Response } from '@fastts/core';
import { LiveTestClient, TestClient } from '@fastts/testing';
import { memoryLogger, sleep } from './helpers.js';

// Defects of issue 15 in the request lifecycle, over real sockets: each of
// these tests failed before its fix.

let client: LiveTestClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

describe('the background of the injected temporary Response', () => {
  it('runs, after the injected tasks and before the returned response\'s own', async () => {
    const order: string[] = [];
    @Controller()
    class Temp {
      @Post('/plain')
      plain(response: Response, tasks: BackgroundTasks) {
        tasks.addTask(() => void order.push('injected'));
        response.background = new BackgroundTask(() => void order.push('temporary'));
        return { ok: true };
      }

      @Post('/returned')
      returned(response: Response, tasks: BackgroundTasks) {
        tasks.addTask(() => void order.push('injected'));
        response.background = new BackgroundTasks([new BackgroundTask(() => void order.push('temporary'))]);
        return new Response('done', { background: new BackgroundTask(() => void order.push('own')) });
      }

      @Post('/alone')
      alone(response: Response) {
        response.background = new BackgroundTask(() => void order.push('alone'));
        return { ok: true };
      }
    }
    client = await LiveTestClient.start(new App({ logger: false }).include(Temp));
    expect((await client.post('/plain')).json()).toEqual({ ok: true });
    expect(order).toEqual(['injected', 'temporary']);
    order.length = 0;
    expect((await client.post('/returned')).text).toBe('done');
    expect(order).toEqual(['injected', 'temporary', 'own']);
    order.length = 0;
    await client.post('/alone');
    expect(order).toEqual(['alone']);
  });
});

describe('the trailing-slash redirect', () => {
  it('sends a path, whatever the Host header says', async () => {
    @Controller('/items')
    class Items {
      @Get('/{id}')
      read() {
        return {};
      }
    }
    const app = new App({ logger: false }).include(Items);
    const { port } = await app.listen(0);
    try {
      const answer = await new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
        const req = httpRequest({ port, host: '127.0.0.1', path: '/items/1/?q=2', headers: { host: 'evil.example' } }, (res) => {
          res.resume();
          resolve({ status: res.statusCode!, location: res.headers.location });
        });
        req.on('error', reject);
        req.end();
      });
      expect(answer).toEqual({ status: 307, location: '/items/1?q=2' });
    } finally {
      await app.close();
    }
  });
});

describe('controllers with constructor parameters', () => {
  it('are refused at include() with a code, not with a TypeError on the first request', () => {
    @Injectable()
    class NotesService {
      list() {
        return [];
      }
    }
    @Controller('/notes')
    class Notes {
      constructor(private readonly notes: NotesService) {}
      @Get('/')
      list() {
        return this.notes.list();
      }
    }
    const app = new App({ logger: false });
    expect(() => app.include(Notes)).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_CONTROLLER_CONSTRUCTOR' }));
    expect(() => app.include(Notes)).toThrow(/include an instance/);
    // The supported form: an instance.
    expect(() => app.include(new Notes(new NotesService()))).not.toThrow();
  });
});

describe('close()', () => {
  it('waits for handlers still running, then for the tasks they add (none lost)', async () => {
    const ran: number[] = [];
    let entered = 0;
    @Controller()
    class Slow {
      @Post('/slow/{n}')
      async slow(@Path('n', { type: Int }) n: number, tasks: BackgroundTasks) {
        entered++;
        await sleep(150);
        tasks.addTask(async () => {
          await sleep(20);
          ran.push(n);
        });
        return { n };
      }
    }
    const app = new App({ logger: false }).include(Slow);
    const { port } = await app.listen(0);
    const clients = Array.from({ length: 10 }, () => new Client(`http://127.0.0.1:${port}`));
    try {
      const sent = clients.map((c, n) => c.request({ method: 'POST', path: `/slow/${n}` }).then((r) => r.body.json()));
      for (let i = 0; i < 100 && entered < 10; i++) await sleep(5);
      expect(entered).toBe(10); // every handler is now in its sleep
      const { abandoned } = await app.close({ drainTimeoutMs: 5000 });
      expect(abandoned).toEqual([]);
      expect(await Promise.all(sent)).toEqual(Array.from({ length: 10 }, (_, n) => ({ n })));
      expect(ran.sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, n) => n));
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('called again while draining brings the deadline forward and names what it abandons', async () => {
    const logger = memoryLogger();
    @Controller()
    class Long {
      @Post('/long')
      long(tasks: BackgroundTasks) {
        tasks.addTask(function longTask() {
          return sleep(2000);
        });
        return {};
      }
    }
    client = await LiveTestClient.start(new App({ logger }).include(Long), { waitForTasks: false });
    await client.post('/long');
    await client.pool.close();
    const started = performance.now();
    const first = client.app.close({ drainTimeoutMs: 5000 });
    await sleep(50);
    const second = client.app.close({ drainTimeoutMs: 0 });
    const [a, b] = await Promise.all([first, second]);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(a).toEqual({ abandoned: ['longTask'] });
    expect(b).toBe(a);
    expect(logger.entries.find((e) => e.msg?.startsWith('shutdown deadline passed'))?.obj['abandoned']).toEqual(['longTask']);
    client = undefined;
  });
});

describe('thrown values are untrusted', () => {
  const revoked = () => {
    const { proxy, revoke } = Proxy.revocable(new Error('x'), {});
    revoke();
    return proxy;
  };
  const badMessage = () => {
    const error = new Error('x');
    Object.defineProperty(error, 'message', {
      get() {
        throw new Error('message getter');
      },
    });
    return error;
  };

  it('a task whose error cannot be logged is reported, and the tasks after it still run', async () => {
    const logger = memoryLogger();
    const ran: string[] = [];
    const failures: unknown[] = [];
    @Controller()
    class Tasks {
      @Post('/tasks')
      add(tasks: BackgroundTasks) {
        tasks.addTask(function throwsProxy() {
          throw revoked();
        });
        tasks.addTask(() => void ran.push('second'));
        tasks.addTask(async function rejectsBadMessage() {
          throw badMessage();
        });
        tasks.addTask(() => void ran.push('fourth'));
        return {};
      }
    }
    client = await LiveTestClient.start(new App({ logger, onTaskError: (error) => void failures.push(error) }).include(Tasks), { raiseTaskErrors: false });
    await client.post('/tasks');
    expect(ran).toEqual(['second', 'fourth']);
    expect(client.taskFailures.map((f) => f.task)).toEqual(['throwsProxy', 'rejectsBadMessage']);
    expect(failures.map((e) => (e as { code?: string }).code)).toEqual(['FASTTS_ERR_THROWN_VALUE', 'FASTTS_ERR_THROWN_VALUE']);
    expect(logger.entries.filter((e) => e.msg === 'background task failed')).toHaveLength(2);
  });

  it('a handler throwing a revoked Proxy, a bad getter or a never-settling thenable gets a 500; the process lives', async () => {
    const never = { then() {} };
    @Controller()
    class Throws {
      @Get('/proxy')
      proxy() {
        throw revoked();
      }

      @Get('/getter')
      getter() {
        throw badMessage();
      }

      @Get('/thenable')
      async thenable() {
        throw never;
      }
    }
    client = await LiveTestClient.start(new App({ logger: memoryLogger() }).include(Throws), { raiseServerExceptions: false });
    for (const path of ['/proxy', '/getter', '/thenable']) {
      const res = await Promise.race([client.get(path), sleep(2000).then(() => 'hung')]);
      expect(res, path).not.toBe('hung');
      expect((res as { status: number }).status, path).toBe(500);
    }
  });
});

describe('the request timeout', () => {
  it('answers 408 within a twentieth of the timeout after it, whenever the request started', async () => {
    const app = new App({ logger: false, requestTimeoutMs: 2000 });
    const { port } = await app.listen(0);
    try {
      // Four slow clients spread over 500 ms, node's checking interval before
      // the fix (a quarter of the timeout): one of them always waited for it.
      const late = await Promise.all(
        [0, 125, 250, 375].map(async (offset) => {
          await sleep(offset);
          return new Promise<number>((resolve, reject) => {
            const socket = connect(port, '127.0.0.1');
            const started = performance.now();
            socket.on('error', reject);
            socket.write('POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\n1');
            socket.on('data', (chunk) => {
              if (chunk.toString().startsWith('HTTP/1.1 408')) resolve(performance.now() - started - 2000);
            });
            socket.on('close', () => resolve(Number.NaN));
          });
        }),
      );
      for (const ms of late) expect(ms).toBeLessThan(250);
    } finally {
      await app.close();
    }
  });
});

describe('the throws core left without a code', () => {
  it('have codes now', async () => {
    expect(() => new BackgroundTask(42 as never)).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_BACKGROUND_NOT_CALLABLE' }));
    @Controller()
    class Plain {
      @Get('/file')
      file() {
        return new FileResponse('no/such/file.txt');
      }
    }
    const bad = new App({ logger: false, dependencies: [Query('q') as never] }).include(Plain);
    expect(() => bad.compile()).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_DEPENDENCIES_OPTION' }));
    const app = new App({ logger: false }).include(Plain);
    const error = await new TestClient(app).get('/file').catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'FASTTS_ERR_FILE_RESPONSE_PATH', message: 'FileResponse: the file at no/such/file.txt does not exist' });
  });
});
