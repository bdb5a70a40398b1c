import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { App, Controller, Get, trustedHost, type TrustedHostOptions } from '@fastts/core';

// Starlette's TrustedHostMiddleware over a real socket: the Host header is
// sent as the test says (fetch would not let it be set).

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

async function start(options: TrustedHostOptions): Promise<number> {
  app = new App({ logger: false }).include(Api).use(trustedHost(options));
  return (await app.listen(0, '127.0.0.1')).port;
}

function get(port: number, host: string, path = '/hello'): Promise<{ status: number; body: string; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body, ...(res.headers.location ? { location: res.headers.location } : {}) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('trustedHost', () => {
  it('lets allowed hosts through, with or without a port, and a wildcard match subdomains only', async () => {
    const port = await start({ allowedHosts: ['example.com', '*.example.org'] });
    expect(await get(port, 'example.com')).toMatchObject({ status: 200 });
    expect(await get(port, 'EXAMPLE.com:8080')).toMatchObject({ status: 200 });
    expect(await get(port, 'api.example.org')).toMatchObject({ status: 200 });
    expect(await get(port, 'example.org')).toEqual({ status: 400, body: 'Invalid host header' });
    expect(await get(port, 'evil.example')).toEqual({ status: 400, body: 'Invalid host header' });
    expect(await get(port, 'example.com.evil.example')).toMatchObject({ status: 400 });
  });

  it('refuses before routing: an unknown path with a bad host is 400, not 404', async () => {
    const port = await start({ allowedHosts: ['example.com'] });
    expect(await get(port, 'evil.example', '/nowhere')).toMatchObject({ status: 400 });
    expect(await get(port, 'example.com', '/nowhere')).toMatchObject({ status: 404 });
  });

  it('redirects to www when only the www host is allowed, unless wwwRedirect is off', async () => {
    const port = await start({ allowedHosts: ['www.example.com'] });
    expect(await get(port, 'example.com', '/hello?x=1')).toMatchObject({ status: 307, location: 'http://www.example.com/hello?x=1' });
    await app!.close();
    const off = await start({ allowedHosts: ['www.example.com'], wwwRedirect: false });
    expect(await get(off, 'example.com')).toMatchObject({ status: 400 });
  });

  it("allows any host with the default ['*'], and refuses a pattern it cannot match", async () => {
    const port = await start({});
    expect(await get(port, 'anything.example')).toMatchObject({ status: 200 });
    expect(() => trustedHost({ allowedHosts: ['api.*.example.com'] })).toThrow(/not a host pattern/);
  });
});
