import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { IsInt } from 'class-validator';
import { App, Body, Controller, Depends, Get, HTTPException, Header, Post, Response, cors, dependency, type CorsOptions } from '@fastts/core';

// CORS over real sockets, with Starlette's CORSMiddleware as the reference:
// preflights answered here, the headers on every response with an Origin,
// error responses included.

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

class Item {
  @IsInt()
  id!: number;
}

const user = dependency([Header('authorization', { default: undefined })], (authorization: string | undefined) => {
  if (authorization !== 'Bearer token') throw new HTTPException(401, 'Not authenticated', { 'www-authenticate': 'Bearer' });
  return 'alice';
});

@Controller()
class Api {
  @Get('/hello')
  hello() {
    return { hello: 'world' };
  }

  @Post('/items')
  create(@Body() item: Item) {
    return item;
  }

  @Get('/me')
  me(@Depends(user) name: string) {
    return { name };
  }

  @Get('/boom')
  boom(): never {
    throw new Error('boom');
  }

  @Get('/varied')
  varied() {
    return new Response('ok', { headers: { vary: 'Accept-Encoding' } });
  }

  @Get('/shared')
  shared() {
    return sharedResponse;
  }
}

// One Response object returned to every request (a cached answer).
const sharedResponse = new Response('same for all');

async function start(options: CorsOptions): Promise<string> {
  // From `docs/middleware.md`: CORS for a front-end origin.
  app = new App({ logger: false }).include(Api).use(cors(options));
  const { port } = await app.listen(0);
  return `http://127.0.0.1:${port}`;
}

async function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const res = await request(url, { method: (init.method ?? 'GET') as 'GET', headers: init.headers, body: init.body });
  return { status: res.statusCode, headers: res.headers as Record<string, string | undefined>, text: await res.body.text() };
}

const FRONT = 'https://app.example.com';

describe('cors: simple and error responses', () => {
  const options: CorsOptions = { allowOrigins: [FRONT], allowCredentials: true, exposeHeaders: ['x-total'], allowMethods: ['*'], allowHeaders: ['*'] };

  it('adds Origin to the Vary of a response object returned to every request once, not once per request', async () => {
    const base = await start(options);
    const varies: (string | undefined)[] = [];
    for (let i = 0; i < 3; i++) varies.push((await call(`${base}/shared`, { headers: { origin: FRONT } })).headers['vary']);
    expect(varies).toEqual(['Origin', 'Origin', 'Origin']);
  });

  it('carries the headers on 200, 401, 404, 422 and 500', async () => {
    const base = await start(options);
    const answers = [
      await call(`${base}/hello`, { headers: { origin: FRONT } }),
      await call(`${base}/me`, { headers: { origin: FRONT } }),
      await call(`${base}/nowhere`, { headers: { origin: FRONT } }),
      await call(`${base}/items`, { method: 'POST', headers: { origin: FRONT, 'content-type': 'application/json' }, body: '{"id":"x"}' }),
      await call(`${base}/boom`, { headers: { origin: FRONT } }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 401, 404, 422, 500]);
    for (const answer of answers) {
      expect(answer.headers['access-control-allow-origin']).toBe(FRONT);
      expect(answer.headers['access-control-allow-credentials']).toBe('true');
      expect(answer.headers['access-control-expose-headers']).toBe('x-total');
      expect(answer.headers['vary']).toBe('Origin');
    }
    // The exception's own headers are still there.
    expect(answers[1]!.headers['www-authenticate']).toBe('Bearer');
    expect(JSON.parse(answers[3]!.text).detail[0].loc).toEqual(['body', 'id']);
  });

  it('adds nothing without an Origin, and no allow-origin for an origin not allowed', async () => {
    const base = await start(options);
    const plain = await call(`${base}/hello`);
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
    expect(plain.headers['vary']).toBeUndefined();
    const other = await call(`${base}/hello`, { headers: { origin: 'https://evil.example' } });
    expect(other.status).toBe(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('appends Origin to an existing Vary', async () => {
    const base = await start(options);
    const res = await call(`${base}/varied`, { headers: { origin: FRONT } });
    expect(res.headers['vary']).toBe('Accept-Encoding, Origin');
  });

  it("answers any origin with '*', and mirrors it when the request has a cookie", async () => {
    const base = await start({ allowOrigins: ['*'] });
    const anonymous = await call(`${base}/hello`, { headers: { origin: 'https://x.example' } });
    expect(anonymous.headers['access-control-allow-origin']).toBe('*');
    expect(anonymous.headers['vary']).toBeUndefined();
    const withCookie = await call(`${base}/hello`, { headers: { origin: 'https://x.example', cookie: 'session=1' } });
    expect(withCookie.headers['access-control-allow-origin']).toBe('https://x.example');
    expect(withCookie.headers['vary']).toBe('Origin');
  });

  it('matches allowOriginRegex against the whole origin', async () => {
    const base = await start({ allowOriginRegex: 'https://.*\\.example\\.org' });
    const sub = await call(`${base}/hello`, { headers: { origin: 'https://a.example.org' } });
    expect(sub.headers['access-control-allow-origin']).toBe('https://a.example.org');
    const longer = await call(`${base}/hello`, { headers: { origin: 'https://a.example.org.evil.com' } });
    expect(longer.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('cors: preflight', () => {
  it('answers 200 with the allow headers, before routing (the route has no OPTIONS)', async () => {
    const base = await start({ allowOrigins: [FRONT], allowCredentials: true, allowMethods: ['GET', 'POST'], allowHeaders: ['X-Token'], maxAge: 300 });
    const res = await call(`${base}/items`, {
      method: 'OPTIONS',
      headers: { origin: FRONT, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-token' },
    });
    expect([res.status, res.text]).toEqual([200, 'OK']);
    expect(res.headers['access-control-allow-origin']).toBe(FRONT);
    expect(res.headers['access-control-allow-methods']).toBe('GET, POST');
    expect(res.headers['access-control-allow-headers']).toBe('Accept, Accept-Language, Content-Language, Content-Type, X-Token');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-max-age']).toBe('300');
    expect(res.headers['vary']).toBe('Origin');
  });

  it("uses FastAPI's defaults: GET only, no extra headers, max age 600", async () => {
    const base = await start({ allowOrigins: ['*'] });
    const ok = await call(`${base}/hello`, { method: 'OPTIONS', headers: { origin: FRONT, 'access-control-request-method': 'GET' } });
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe('*');
    expect(ok.headers['access-control-allow-methods']).toBe('GET');
    expect(ok.headers['access-control-max-age']).toBe('600');
    expect(ok.headers['access-control-allow-credentials']).toBeUndefined();
    const post = await call(`${base}/items`, { method: 'OPTIONS', headers: { origin: FRONT, 'access-control-request-method': 'POST' } });
    expect([post.status, post.text]).toEqual([400, 'Disallowed CORS method']);
  });

  it('answers 400 naming every disallowed part, and mirrors any requested headers with allowHeaders *', async () => {
    const base = await start({ allowOrigins: [FRONT], allowHeaders: ['x-token'] });
    const bad = await call(`${base}/hello`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'x-other' },
    });
    expect([bad.status, bad.text]).toEqual([400, 'Disallowed CORS origin, method, headers']);
    expect(bad.headers['access-control-allow-origin']).toBeUndefined();
    await app!.close();
    const star = await start({ allowOrigins: [FRONT], allowHeaders: ['*'] });
    const mirrored = await call(`${star}/hello`, {
      method: 'OPTIONS',
      headers: { origin: FRONT, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-anything' },
    });
    expect(mirrored.status).toBe(200);
    expect(mirrored.headers['access-control-allow-headers']).toBe('x-anything');
  });

  it('leaves an OPTIONS without Access-Control-Request-Method to routing', async () => {
    const base = await start({ allowOrigins: [FRONT] });
    const res = await call(`${base}/hello`, { method: 'OPTIONS', headers: { origin: FRONT } });
    expect(res.status).toBe(405);
    expect(res.headers['access-control-allow-origin']).toBe(FRONT);
  });
});

describe('cors in the in-process TestClient', () => {
  it('runs through app.handler like a server does', async () => {
    const { TestClient } = await import('@fastts/testing');
    const client = await TestClient.start(new App({ logger: false }).include(Api).use(cors({ allowOrigins: [FRONT] })));
    try {
      const res = await client.get('/nowhere', { headers: { origin: FRONT } });
      expect(res.status).toBe(404);
      expect(res.headers['access-control-allow-origin']).toBe(FRONT);
    } finally {
      await client.close();
    }
  });
});
