import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { App, Controller, Get, Request, type AppOptions } from '@fastts/core';

// The trustProxy option over a real socket: the client is 127.0.0.1, and the
// X-Forwarded-* headers are what a proxy in front of it would send, or what a
// client forges.

let apps: App[] = [];
afterEach(async () => {
  await Promise.all(apps.map((app) => app.close()));
  apps = [];
});

@Controller()
class Who {
  @Get('/who')
  who(request: Request) {
    return { client: request.client, url: request.url.href, scheme: request.scheme };
  }

  @Get('/items')
  items() {
    return [];
  }
}

async function start(options: AppOptions, build: (app: App) => App = (app) => app.include(Who)): Promise<number> {
  const app = build(new App({ logger: false, ...options }));
  apps.push(app);
  return (await app.listen(0, '127.0.0.1')).port;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode!, body, ...(res.headers.location ? { location: res.headers.location } : {}) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const FORGED = { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' };

describe('trustProxy off (the default)', () => {
  it('ignores a spoofed X-Forwarded-For, -Proto and -Host', async () => {
    const port = await start({});
    const { body } = await get(port, '/who?x=1', { ...FORGED, host: `127.0.0.1:${port}` });
    expect(body.client.host).toBe('127.0.0.1');
    expect(body.client.port).toBeGreaterThan(0);
    expect(body.scheme).toBe('http');
    expect(body.url).toBe(`http://127.0.0.1:${port}/who?x=1`);
  });
});

describe('trustProxy on', () => {
  it('takes the client, scheme and host from a trusted proxy', async () => {
    const port = await start({ trustProxy: 'loopback' });
    const { body } = await get(port, '/who?x=1', FORGED);
    expect(body).toEqual({ client: { host: '203.0.113.7' }, url: 'https://api.example.com/who?x=1', scheme: 'https' });
  });

  it('stops at the nearest untrusted hop: an entry the client forged further left is ignored', async () => {
    const port = await start({ trustProxy: ['loopback', '10.0.0.0/8'] });
    // The client sent "1.2.3.4"; its real address 198.51.100.9 was appended by the outer proxy 10.0.0.5.
    const { body } = await get(port, '/who', { 'x-forwarded-for': '1.2.3.4, 198.51.100.9, 10.0.0.5' });
    expect(body.client.host).toBe('198.51.100.9');
  });

  it('counts hops when given a number', async () => {
    const port = await start({ trustProxy: 1 });
    const { body } = await get(port, '/who', { 'x-forwarded-for': '1.2.3.4, 198.51.100.9' });
    expect(body.client.host).toBe('198.51.100.9');
  });

  it('ignores the headers when the socket peer is not in the trusted list', async () => {
    const port = await start({ trustProxy: '10.0.0.0/8' });
    const { body } = await get(port, '/who', { ...FORGED, host: 'local.test' });
    expect(body).toMatchObject({ client: { host: '127.0.0.1' }, scheme: 'http', url: 'http://local.test/who' });
  });

  it('takes the first value of a list, and falls back to the socket for a scheme that is neither http nor https', async () => {
    const port = await start({ trustProxy: true });
    expect((await get(port, '/who', { 'x-forwarded-proto': 'https, http', 'x-forwarded-host': 'a.example, b.example' })).body.url).toBe('https://a.example/who');
    expect((await get(port, '/who', { 'x-forwarded-proto': 'gopher', host: 'h.test' })).body.url).toBe('http://h.test/who');
  });

  it('answers 400 for a forwarded host that makes no URL', async () => {
    const port = await start({ trustProxy: true });
    expect(await get(port, '/who', { 'x-forwarded-host': 'bad host' })).toMatchObject({ status: 400, body: { detail: 'Invalid host header' } });
  });

  it('refuses an address that is not one at construction', () => {
    expect(() => new App({ logger: false, trustProxy: 'not-an-address' })).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_TRUST_PROXY' }));
    expect(() => new App({ logger: false, trustProxy: -1 })).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_TRUST_PROXY' }));
  });

  it('applies to a mounted app that sets none', async () => {
    const port = await start({ trustProxy: 'loopback' }, (app) => app.mount('/sub', new App({ logger: false }).include(Who)));
    const { body } = await get(port, '/sub/who', FORGED);
    expect(body).toEqual({ client: { host: '203.0.113.7' }, url: 'https://api.example.com/sub/who', scheme: 'https' });
  });
});

describe('redirects under a root path', () => {
  it("keep the app's rootPath in the trailing-slash redirect and in request.url", async () => {
    const port = await start({ rootPath: '/api' });
    expect(await get(port, '/items/?page=2')).toMatchObject({ status: 307, location: '/api/items?page=2' });
    expect((await get(port, '/who', { host: 'h.test' })).body.url).toBe('http://h.test/api/who');
  });

  it("keep a mounted app's path", async () => {
    const port = await start({}, (app) => app.mount('/sub', new App({ logger: false }).include(Who)));
    expect(await get(port, '/sub/items/')).toMatchObject({ status: 307, location: '/sub/items' });
  });
});
