import { get } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { App, Controller, Get, WebSocket, WebSocketRoute, cors, gzip, httpsRedirect, trustedHost, type AppOptions, type Middleware } from '@fastts/core';
import { WebSocketHandshakeError, WebSocketSession } from '@fastts/testing';

// Which middleware acts on a WebSocket handshake, over real sockets: as in
// Starlette, trustedHost() and httpsRedirect() do (their ASGI middleware
// handle websocket scopes), while user middleware, cors() and gzip() do not.

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

@Controller()
class Api {
  @WebSocketRoute('/echo')
  async echo(ws: WebSocket) {
    await ws.accept();
    await ws.sendJson({ url: ws.url.href });
    await ws.close();
  }

  @Get('/hello')
  hello() {
    return { hello: 'world' };
  }
}

async function start(middleware: Middleware[], options: AppOptions = {}, target?: (app: App) => App): Promise<number> {
  const own = new App({ logger: false, ...options }).include(Api);
  for (const m of middleware) own.use(m);
  app = target ? target(own) : own;
  return (await app.listen(0, '127.0.0.1')).port;
}

/** The handshake's outcome: the URL the route saw once connected, or the refusal's status, body and Location. */
async function handshake(port: number, path: string, headers: Record<string, string>): Promise<{ url: string } | { status: number; body: string; location?: string; type?: string }> {
  try {
    const ws = await WebSocketSession.connect(`ws://127.0.0.1:${port}${path}`, { headers });
    const { url } = await ws.receiveJson<{ url: string }>();
    await ws.closed;
    return { url };
  } catch (err) {
    if (!(err instanceof WebSocketHandshakeError)) throw err;
    const { location, 'content-type': type } = err.headers;
    return { status: err.status, body: err.body.toString(), ...(location ? { location } : {}), ...(type ? { type } : {}) };
  }
}

/** A handshake written byte by byte, for heads a client library will not send (no Host at all); resolves with what came back before the server closed. */
function rawHandshake(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.write(`${head}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`),
    );
    let answer = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer to the handshake')));
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('trustedHost() on a WebSocket handshake', () => {
  it('refuses a host not allowed with 400 Invalid host header, as Starlette answers a websocket scope, and lets an allowed one connect', async () => {
    const port = await start([trustedHost({ allowedHosts: ['example.com', '*.example.org'] })]);
    expect(await handshake(port, '/echo', { host: 'evil.example' })).toEqual({ status: 400, body: 'Invalid host header', type: 'text/plain; charset=utf-8' });
    expect(await handshake(port, '/echo', { host: 'example.org' })).toMatchObject({ status: 400 });
    // Before routing, as for HTTP: a path without a WebSocket route is 400 too, not 403.
    expect(await handshake(port, '/nowhere', { host: 'evil.example' })).toMatchObject({ status: 400 });
    expect(await handshake(port, '/echo?x=1', { host: 'example.com' })).toEqual({ url: 'ws://example.com/echo?x=1' });
    expect(await handshake(port, '/echo', { host: 'API.example.org:8080' })).toEqual({ url: 'ws://api.example.org:8080/echo' });
  });

  it('refuses a handshake without a Host header, or with a port only, with 400 and keeps serving', async () => {
    const port = await start([trustedHost({ allowedHosts: ['example.com'] })]);
    for (const head of ['GET /echo HTTP/1.1\r\n', 'GET /echo HTTP/1.0\r\n', 'GET /echo HTTP/1.1\r\nHost: :8080\r\n', 'GET /echo HTTP/1.1\r\nHost: [::1\r\n']) {
      const answer = await rawHandshake(port, head);
      expect(answer, head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(answer.endsWith('\r\n\r\nInvalid host header'), head).toBe(true);
    }
    expect(await handshake(port, '/echo', { host: 'example.com' })).toEqual({ url: 'ws://example.com/echo' });
  });

  it('redirects to the www host over ws: when only it is allowed, as Starlette builds the URL from the websocket scope', async () => {
    const port = await start([trustedHost({ allowedHosts: ['www.example.com'] })]);
    expect(await handshake(port, '/echo?x=1', { host: 'example.com' })).toMatchObject({ status: 307, location: 'ws://www.example.com/echo?x=1' });
  });

  it("guards the handshakes of the app it is registered on under a mount, as the mounted app's middleware guards its HTTP requests", async () => {
    const port = await start([trustedHost({ allowedHosts: ['example.com'] })], {}, (mounted) => new App({ logger: false }).mount('/sub', mounted));
    expect(await handshake(port, '/sub/echo', { host: 'evil.example' })).toMatchObject({ status: 400, body: 'Invalid host header' });
    expect(await handshake(port, '/sub/echo', { host: 'example.com' })).toEqual({ url: 'ws://example.com/sub/echo' });
  });
});

describe('httpsRedirect() on a WebSocket handshake', () => {
  it('answers a plain ws:// handshake with 307 to wss://, host, path and query kept, ports as Starlette', async () => {
    const port = await start([httpsRedirect()]);
    expect(await handshake(port, '/echo?x=1&y=%20z', { host: 'example.com' })).toMatchObject({ status: 307, location: 'wss://example.com/echo?x=1&y=%20z' });
    expect(await handshake(port, '/echo', { host: 'example.com:443' })).toMatchObject({ status: 307, location: 'wss://example.com/echo' });
    expect(await handshake(port, '/echo', { host: 'example.com:8080' })).toMatchObject({ status: 307, location: 'wss://example.com:8080/echo' });
    // Before routing: a path without a WebSocket route is redirected as well.
    expect(await handshake(port, '/nowhere', { host: 'example.com' })).toMatchObject({ status: 307, location: 'wss://example.com/nowhere' });
  });

  it('lets a handshake through behind a trusted proxy that says https, and ignores the header without trustProxy', async () => {
    const port = await start([httpsRedirect()], { trustProxy: 'loopback' });
    expect(await handshake(port, '/echo?x=1', { host: 'example.com', 'x-forwarded-proto': 'https' })).toEqual({ url: 'wss://example.com/echo?x=1' });
    expect(await handshake(port, '/echo', { host: 'example.com', 'x-forwarded-proto': 'http' })).toMatchObject({ status: 307, location: 'wss://example.com/echo' });
    await app!.close();
    const untrusting = await start([httpsRedirect()]);
    expect(await handshake(untrusting, '/echo', { host: 'example.com', 'x-forwarded-proto': 'https' })).toMatchObject({ status: 307, location: 'wss://example.com/echo' });
  });

  it('refuses a Host that makes no URL with 400, not a crash', async () => {
    const port = await start([httpsRedirect()]);
    const answer = await rawHandshake(port, 'GET /echo HTTP/1.1\r\nHost: exa mple.com\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain('Invalid host header');
    expect(await handshake(port, '/echo', { host: 'example.com' })).toMatchObject({ status: 307 });
  });
});

describe('other middleware and a WebSocket handshake', () => {
  it('does not run user middleware, cors() or gzip() for a handshake, even beside trustedHost()', async () => {
    const seen: string[] = [];
    const record: Middleware = (request, next) => {
      seen.push(request.path);
      return next();
    };
    const refuseAll: Middleware = () => {
      throw new Error('a user middleware ran for a handshake');
    };
    const port = await start([cors({ allowOrigins: ['https://app.example'] }), gzip({ minimumSize: 1 }), trustedHost({ allowedHosts: ['example.com'] }), record]);
    expect(await handshake(port, '/echo', { host: 'example.com', origin: 'https://evil.example', 'accept-encoding': 'gzip' })).toEqual({ url: 'ws://example.com/echo' });
    expect(seen).toEqual([]);
    // The same middleware runs for an HTTP request to the same app.
    const status = await new Promise<number>((resolve, reject) => get({ host: '127.0.0.1', port, path: '/hello', headers: { host: 'example.com' } }, (res) => resolve(res.resume().statusCode!)).on('error', reject));
    expect([status, seen]).toEqual([200, ['/hello']]);
    await app!.close();
    const other = await start([refuseAll]);
    expect(await handshake(other, '/echo', { host: 'example.com' })).toEqual({ url: 'ws://example.com/echo' });
  });
});
