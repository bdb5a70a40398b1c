import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { App, Controller, Get, httpsRedirect, type AppOptions } from '@fastts/core';

// Starlette's HTTPSRedirectMiddleware over a plain http socket: the Host and
// X-Forwarded-* headers are sent as the test says.

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

@Controller()
class Api {
  @Get('/hello')
  hello() {
    return { hello: 'world' };
  }
}

async function start(options: AppOptions = {}): Promise<number> {
  app = new App({ logger: false, ...options }).include(Api).use(httpsRedirect());
  return (await app.listen(0, '127.0.0.1')).port;
}

function send(port: number, path: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; body: string; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, timeout: 5_000 }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body, ...(res.headers.location ? { location: res.headers.location } : {}) }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer for ${path}`)));
    req.on('error', reject);
    req.end();
  });
}

describe('httpsRedirect', () => {
  it('answers a plain http request with a 307 to the https URL, path and query kept', async () => {
    const port = await start();
    expect(await send(port, '/hello?x=1&y=%20z', { host: 'example.com' })).toEqual({
      status: 307,
      body: '',
      location: 'https://example.com/hello?x=1&y=%20z',
    });
  });

  it('drops port 80 and 443 as Starlette does, and keeps any other', async () => {
    const port = await start();
    expect((await send(port, '/hello', { host: 'example.com:80' })).location).toBe('https://example.com/hello');
    expect((await send(port, '/hello', { host: 'example.com:443' })).location).toBe('https://example.com/hello');
    expect((await send(port, '/hello', { host: 'example.com:8080' })).location).toBe('https://example.com:8080/hello');
    expect((await send(port, '/hello', { host: '[::1]:8443' })).location).toBe('https://[::1]:8443/hello');
  });

  it('redirects before routing, whatever the method: an unknown path or a POST is a 307 too', async () => {
    const port = await start();
    expect(await send(port, '/nowhere', { host: 'example.com' })).toMatchObject({ status: 307, location: 'https://example.com/nowhere' });
    expect(await send(port, '/hello', { host: 'example.com' }, 'POST')).toMatchObject({ status: 307, location: 'https://example.com/hello' });
  });

  it('does not believe X-Forwarded-Proto from a proxy the app does not trust', async () => {
    const port = await start();
    expect(await send(port, '/hello', { host: 'example.com', 'x-forwarded-proto': 'https' })).toMatchObject({ status: 307 });
  });
});

describe('httpsRedirect behind a trusted proxy', () => {
  it('lets a request the proxy received over https through, and redirects one it received over http', async () => {
    const port = await start({ trustProxy: true });
    expect(await send(port, '/hello', { host: 'internal:8000', 'x-forwarded-proto': 'https' })).toEqual({ status: 200, body: '{"hello":"world"}' });
    expect(await send(port, '/hello', { host: 'internal:8000', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'example.com' })).toMatchObject({
      status: 307,
      location: 'https://example.com/hello',
    });
  });
});
