import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from 'undici';
import { IsInt } from 'class-validator';
import helmet from 'helmet';
import {
  App,
  BackgroundTasks,
  Body,
  Controller,
  Get,
  HTTPException,
  JSONResponse,
  PlainTextResponse,
  Post,
  Query,
  connectMiddleware,
  cors,
  gzip,
  type ConnectMiddleware,
  type Middleware,
} from '@fastts/core';

// Middleware over real sockets: order, early answers, errors seen as the
// exception handlers' responses, background tasks after the body and outside
// every middleware, keep-alive connections not held up.

let app: App | undefined;
let server: Server | undefined;
afterEach(async () => {
  if (server) await new Promise((resolve) => server!.close(resolve));
  server = undefined;
  await app?.close();
  app = undefined;
});

async function listen(made: App): Promise<string> {
  app = made;
  const { port } = await made.listen(0);
  return `http://127.0.0.1:${port}`;
}

class Item {
  @IsInt()
  id!: number;
}

@Controller()
class Items {
  @Get('/hello')
  hello() {
    return { hello: 'world' };
  }

  @Post('/items')
  create(@Body() item: Item) {
    return item;
  }

  @Get('/boom')
  boom(): never {
    throw new Error('boom');
  }

  @Get('/private')
  private(): never {
    throw new HTTPException(401, 'Not authenticated');
  }
}

describe('app.use', () => {
  it("hands user middleware a promise from next(), the same one each call, also between built-ins", async () => {
    const seen: string[] = [];
    const url = await listen(
      new App({ logger: false })
        .include(Items)
        .use(cors({ allowOrigins: ['http://front.example'] }))
        .use(async (request, next) => {
          const first = next();
          seen.push(first instanceof Promise ? 'promise' : 'value', first === next() ? 'same' : 'other');
          return first;
        })
        .use(gzip()),
    );
    const res = await fetch(`${url}/hello`, { headers: { origin: 'http://front.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('http://front.example');
    expect(await res.json()).toEqual({ hello: 'world' });
    // A synchronous handler under built-ins only: answered, with the headers, through the synchronous path.
    await app?.close();
    const direct = await listen(new App({ logger: false }).include(Items).use(cors({ allowOrigins: ['http://front.example'] })).use(gzip()));
    const sync = await fetch(`${direct}/boom`, { headers: { origin: 'http://front.example' } });
    expect([sync.status, sync.headers.get('access-control-allow-origin')]).toEqual([500, 'http://front.example']);
    expect(seen).toEqual(['promise', 'same']);
  });

  it('runs middleware in the order added, the first outermost', async () => {
    const events: string[] = [];
    const named = (name: string): Middleware => async (_request, next) => {
      events.push(`${name}:in`);
      const response = await next();
      events.push(`${name}:out`);
      response.appendHeader('x-through', name);
      return response;
    };
    const base = await listen(new App({ logger: false }).include(Items).use(named('a')).use(named('b')));
    const res = await fetch(`${base}/hello`);
    expect(await res.json()).toEqual({ hello: 'world' });
    expect(events).toEqual(['a:in', 'b:in', 'b:out', 'a:out']);
    // b changed the head first, then a.
    expect(res.headers.get('x-through')).toBe('b, a');
  });

  it('answers early without calling next: the route never runs', async () => {
    let routed = 0;
    @Controller()
    class Counted {
      @Get('/counted')
      counted() {
        routed++;
        return { ok: true };
      }
    }
    // From `docs/middleware.md`: an early answer.
    const requireKey: Middleware = (request, next) => {
      if (request.headers['x-api-key'] !== 'secret') return new JSONResponse({ detail: 'Missing API key' }, { status: 403 });
      return next();
    };
    const base = await listen(new App({ logger: false }).include(Counted).use(requireKey));
    const refused = await fetch(`${base}/counted`);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ detail: 'Missing API key' });
    expect(routed).toBe(0);
    const allowed = await fetch(`${base}/counted`, { headers: { 'x-api-key': 'secret' } });
    expect(await allowed.json()).toEqual({ ok: true });
    expect(routed).toBe(1);
  });

  it('sees a 500, a 401, a 404 and a 422 as the exception handlers answered them, and may change their head', async () => {
    const seen: number[] = [];
    // From `docs/middleware.md`: reading and changing the head.
    const timing: Middleware = async (request, next) => {
      const started = performance.now();
      const response = await next();
      response.setHeader('server-timing', `app;dur=${(performance.now() - started).toFixed(1)}`);
      return response;
    };
    const base = await listen(
      new App({ logger: false })
        .include(Items)
        .use(async (_request, next) => {
          const response = await next();
          seen.push(response.status);
          return response;
        })
        .use(timing),
    );
    const boom = await fetch(`${base}/boom`);
    expect(boom.status).toBe(500);
    expect(await boom.text()).toBe('Internal Server Error');
    expect(boom.headers.get('server-timing')).toMatch(/^app;dur=/);
    const invalid = await fetch(`${base}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"x"}' });
    expect(invalid.status).toBe(422);
    expect(((await invalid.json()) as { detail: unknown[] }).detail).toHaveLength(1);
    const denied = await fetch(`${base}/private`);
    expect(denied.status).toBe(401);
    const missing = await fetch(`${base}/nowhere`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('server-timing')).toMatch(/^app;dur=/);
    expect(seen).toEqual([500, 422, 401, 404]);
  });

  it('turns a throwing middleware into the exception handlers\' response, and a missing return into FASTTS_ERR_MIDDLEWARE_RESULT', async () => {
    const errors: unknown[] = [];
    const made = new App({ logger: false }).include(Items);
    made.exceptionHandler(Error, (_request, error) => {
      errors.push(error);
      return new PlainTextResponse('handled', { status: 503 });
    });
    made.use((request, next) => {
      if (request.path === '/throws') throw new Error('from middleware');
      return next();
    });
    made.use((async (request: { path: string }, next: () => Promise<unknown>) => {
      if (request.path === '/forgot') {
        await next();
        return undefined;
      }
      return next();
    }) as unknown as Middleware);
    const base = await listen(made);
    const thrown = await fetch(`${base}/throws`);
    expect([thrown.status, await thrown.text()]).toEqual([503, 'handled']);
    const forgot = await fetch(`${base}/forgot`);
    expect([forgot.status, await forgot.text()]).toEqual([503, 'handled']);
    expect((errors[1] as { code?: string }).code).toBe('FASTTS_ERR_MIDDLEWARE_RESULT');
    // Registered after the first request: the compiled chain is rebuilt.
    made.use((_request, next) => next().then((response) => response.setHeader('x-late', 'yes')));
    expect((await fetch(`${base}/hello`)).headers.get('x-late')).toBe('yes');
  });
});

describe('background tasks with middleware', () => {
  it('run after the whole body is written and after every middleware has returned', async () => {
    const events: string[] = [];
    @Controller()
    class Big {
      @Get('/big')
      big(tasks: BackgroundTasks) {
        tasks.addTask(() => void events.push('task'));
        events.push('handler');
        return new PlainTextResponse('x'.repeat(4 * 1024 * 1024));
      }
    }
    const made = new App({ logger: false }).include(Big).use(async (_request, next) => {
      events.push('middleware:in');
      const response = await next();
      events.push('middleware:out');
      return response;
    });
    made.compile();
    app = made;
    // The server's own response object: 'finish' means the body is fully handed to the OS.
    server = createServer((req, res) => {
      res.on('finish', () => events.push('finish'));
      made.handler(req, res);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/big`);
    expect((await res.text()).length).toBe(4 * 1024 * 1024);
    await made.backgroundIdle();
    expect(events).toEqual(['middleware:in', 'handler', 'middleware:out', 'finish', 'task']);
  });

  it('do not hold up the next request on a keep-alive connection', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const events: string[] = [];
    @Controller()
    class Slow {
      @Get('/slow')
      slow(tasks: BackgroundTasks, @Query('n') n: string) {
        // The first request's task waits until the second response has arrived:
        // a middleware that waited for tasks would never let the second through.
        if (n === '1') {
          tasks.addTask(async () => {
            await gate;
            events.push('task 1 done');
          });
        }
        return { n };
      }
    }
    const base = await listen(new App({ logger: false }).include(Slow).use((_request, next) => next()));
    const client = new Client(base, { pipelining: 1 });
    try {
      let connections = 0;
      app!.server!.on('connection', () => connections++);
      const first = await client.request({ method: 'GET', path: '/slow?n=1' });
      expect(await first.body.json()).toEqual({ n: '1' });
      const second = await client.request({ method: 'GET', path: '/slow?n=2' });
      expect(await second.body.json()).toEqual({ n: '2' });
      events.push('second response');
      // One connection for both: the second went over the kept-alive socket.
      expect(connections).toBe(1);
      release();
      await app!.backgroundIdle();
      expect(events).toEqual(['second response', 'task 1 done']);
    } finally {
      release();
      await client.close();
    }
  });
});

describe('connectMiddleware', () => {
  // From `docs/middleware.md`: a connect-style middleware, as helmet's are.
  const securityHeaders: ConnectMiddleware = (_req, res, next) => {
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('x-frame-options', 'SAMEORIGIN');
    next();
  };

  it("runs helmet from npm: its headers on every response, error responses included", async () => {
    const base = await listen(new App({ logger: false }).include(Items).use(connectMiddleware(helmet())));
    for (const [path, status] of [['/hello', 200], ['/boom', 500], ['/nowhere', 404]] as const) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(status);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
      // helmet removes what would name the server's software.
      expect(res.headers.get('x-powered-by')).toBeNull();
      await res.arrayBuffer();
    }
  });

  it('merges the headers a connect middleware sets into every response, error responses included', async () => {
    const base = await listen(new App({ logger: false }).include(Items).use(connectMiddleware(securityHeaders)));
    for (const [path, status] of [['/hello', 200], ['/boom', 500], ['/nowhere', 404]] as const) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(status);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      await res.arrayBuffer();
    }
  });

  it('lets a connect middleware answer by itself, and hands next(err) to the exception handlers', async () => {
    let routed = 0;
    @Controller()
    class Counted {
      @Get('/counted')
      counted() {
        routed++;
        return { ok: true };
      }
    }
    const limiter: ConnectMiddleware = (req, res, next) => {
      if (req.headers['x-over-limit'] === 'yes') {
        res.statusCode = 429;
        res.setHeader('content-type', 'text/plain');
        res.end('Too Many Requests');
        return;
      }
      if (req.headers['x-fail'] === 'yes') return next(new HTTPException(418, 'teapot'));
      next();
    };
    const base = await listen(new App({ logger: false }).include(Counted).use(connectMiddleware(limiter)));
    const limited = await fetch(`${base}/counted`, { headers: { 'x-over-limit': 'yes' } });
    expect([limited.status, await limited.text()]).toEqual([429, 'Too Many Requests']);
    const failed = await fetch(`${base}/counted`, { headers: { 'x-fail': 'yes' } });
    expect([failed.status, await failed.json()]).toEqual([418, { detail: 'teapot' }]);
    expect(routed).toBe(0);
    const passed = await fetch(`${base}/counted`);
    expect(await passed.json()).toEqual({ ok: true });
    expect(routed).toBe(1);
    // The connection the early answer used still serves requests.
    expect((await fetch(`${base}/counted`)).status).toBe(200);
  });
});
