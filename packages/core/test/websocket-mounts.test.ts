import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { App, Controller, Depends, Get, Header, HTTPException, Path, WebSocket, WebSocketDisconnect, WebSocketRoute, dependency } from '@fastts/core';
import { APIKeyHeader } from '@fastts/core/security';
import { LiveTestClient, TestClient, WebSocketHandshakeError } from '@fastts/testing';
import { memoryLogger } from './helpers.js';

// WebSocket routes of a mounted app, reached through the parent over real
// sockets (Starlette's Mount routes websocket scopes too): the handshake goes
// to the mounted app with the prefix stripped, and is answered by that app's
// routes, dependencies, root path, limits and drain.

let client: LiveTestClient | TestClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

/** The status a refused handshake got. */
async function refused(pending: Promise<unknown>): Promise<number> {
  const error = await pending.catch((err: unknown) => err);
  expect(error).toBeInstanceOf(WebSocketHandshakeError);
  return (error as WebSocketHandshakeError).status;
}

@Controller()
class Echo {
  @WebSocketRoute('/echo')
  async echo(ws: WebSocket) {
    await ws.accept();
    await ws.sendJson({ url: ws.url.pathname, rootPath: ws.request.app.rootPath });
    for await (const text of ws.iterText()) await ws.sendText(`echo: ${text}`);
  }

  @Get('/plain')
  plain() {
    return { from: 'mounted' };
  }
}

@Controller()
class Parent {
  @WebSocketRoute('/echo')
  async echo(ws: WebSocket) {
    await ws.accept();
    for await (const text of ws.iterText()) await ws.sendText(`parent: ${text}`);
  }

  @WebSocketRoute('/subway')
  async subway(ws: WebSocket) {
    await ws.accept();
    await ws.sendText('parent subway');
    await ws.close();
  }

  @WebSocketRoute('/sub/echo')
  async hidden(ws: WebSocket) {
    await ws.accept();
    await ws.sendText('parent route under the mount');
    await ws.close();
  }
}

@Controller()
class HttpOnly {
  @Get('/plain')
  plain() {
    return { http: true };
  }
}

describe('a mounted app', () => {
  it('echoes through the parent, with the prefix stripped and its root path, over both test clients', async () => {
    for (const start of [(app: App) => LiveTestClient.start(app), (app: App) => TestClient.start(app)]) {
      // The parent has no WebSocket route of its own: it listens for upgrades because the mounted app has some.
      const parent = new App({ logger: false }).include(HttpOnly).mount('/sub', new App({ logger: false }).include(Echo));
      client = await start(parent);
      const ws = await client.websocket('/sub/echo');
      expect(await ws.receiveJson()).toEqual({ url: '/sub/echo', rootPath: '/sub' });
      await ws.sendText('a');
      expect(await ws.receiveText()).toBe('echo: a');
      expect(await ws.close()).toEqual({ code: 1000, reason: '' });
      expect((await client.get('/sub/plain')).json()).toEqual({ from: 'mounted' });
      expect((await client.get('/plain')).json()).toEqual({ http: true });
      await client.close();
      client = undefined;
    }
  });

  it('solves a path parameter, the app dependencies and security of the mounted app from the handshake', async () => {
    const seen: string[] = [];
    const audit = dependency([Header('x-client')], (name: string) => void seen.push(name));
    const apiKey = APIKeyHeader({ name: 'x-api-key' });
    const room = dependency([Path('room')], (name: string) => {
      if (name === 'closed') throw new HTTPException(423, 'room closed');
      return name.toUpperCase();
    });
    @Controller('/rooms')
    class Rooms {
      @WebSocketRoute('/{room}')
      async join(ws: WebSocket, @Path('room') name: string, @Depends(room) upper: string, @Depends(apiKey) key: string) {
        await ws.accept();
        await ws.sendJson({ name, upper, key, url: ws.url.pathname, params: ws.pathParams });
        await ws.close();
      }
    }
    const rooms = new App({ logger: false, dependencies: [Depends(audit)] }).include(Rooms);
    client = await LiveTestClient.start(new App({ logger: false }).mount('/chat', rooms));
    const headers = { 'x-api-key': 'k1', 'x-client': 'cli' };
    const ws = await client.websocket('/chat/rooms/lobby', { headers });
    expect(await ws.receiveJson()).toEqual({ name: 'lobby', upper: 'LOBBY', key: 'k1', url: '/chat/rooms/lobby', params: { room: 'lobby' } });
    expect((await ws.closed).code).toBe(1000);
    expect(seen).toEqual(['cli']);
    // The mounted app's security and dependencies refuse the handshake as they would at its root.
    expect(await refused(client.websocket('/chat/rooms/lobby', { headers: { 'x-client': 'cli' } }))).toBe(401);
    expect(await refused(client.websocket('/chat/rooms/closed', { headers }))).toBe(423);
    expect(await refused(client.websocket('/chat/rooms/lobby', { headers: { 'x-api-key': 'k1' } }))).toBe(403);
  });

  it('uses the limits of the mounted app, not the parent\'s', async () => {
    const mounted = new App({ logger: false, websocket: { maxMessageBytes: 8 } }).include(Echo);
    client = await LiveTestClient.start(new App({ logger: false }).include(Parent).mount('/sub', mounted));
    const small = await client.websocket('/sub/echo');
    await small.receiveJson();
    await small.sendText('123456789');
    expect((await small.closed).code).toBe(1009);
    const big = await client.websocket('/echo');
    await big.sendText('123456789');
    expect(await big.receiveText()).toBe('parent: 123456789');
    await big.close();
  });

  it('answers 403 to a handshake under the mount that no route of the mounted app matches', async () => {
    const legacy = (_req: IncomingMessage, res: ServerResponse) => void res.end('legacy');
    const parent = new App({ logger: false })
      .include(Parent)
      .mount('/sub', new App({ logger: false }).include(Echo))
      .mount('/http', new App({ logger: false }).include(HttpOnly))
      .mount('/legacy', legacy);
    client = await LiveTestClient.start(parent);
    expect(await refused(client.websocket('/sub/nowhere'))).toBe(403);
    // An HTTP route of the mounted app is not a WebSocket route.
    expect(await refused(client.websocket('/sub/plain'))).toBe(403);
    // A mounted app without WebSocket routes, and a node:http handler, answer no handshake.
    expect(await refused(client.websocket('/http/plain'))).toBe(403);
    expect(await refused(client.websocket('/legacy/ws'))).toBe(403);
    expect((await client.get('/legacy/x')).text).toBe('legacy');
  });

  it('reaches nested mounts, with the root path of each level', async () => {
    const inner = new App({ logger: false }).include(Echo);
    const outer = new App({ logger: false }).mount('/inner', inner);
    client = await LiveTestClient.start(new App({ logger: false }).mount('/outer', outer));
    const ws = await client.websocket('/outer/inner/echo');
    expect(await ws.receiveJson()).toEqual({ url: '/outer/inner/echo', rootPath: '/outer/inner' });
    await ws.sendText('deep');
    expect(await ws.receiveText()).toBe('echo: deep');
    await ws.close();
    expect(await refused(client.websocket('/outer/echo'))).toBe(403);
  });
});

describe('the parent', () => {
  it('keeps its own WebSocket routes; a mount is matched before them, as for HTTP, and a hidden route is warned of', async () => {
    const logger = memoryLogger();
    const parent = new App({ logger }).include(Parent).mount('/sub', new App({ logger: false }).include(Echo));
    client = await LiveTestClient.start(parent);
    const own = await client.websocket('/echo');
    await own.sendText('x');
    expect(await own.receiveText()).toBe('parent: x');
    await own.close();
    // `/subway` only shares a prefix with the mount.
    const subway = await client.websocket('/subway');
    expect(await subway.receiveText()).toBe('parent subway');
    // The parent's `/sub/echo` is under the mount: the mounted app answers it.
    const mounted = await client.websocket('/sub/echo');
    expect(await mounted.receiveJson()).toEqual({ url: '/sub/echo', rootPath: '/sub' });
    await mounted.close();
    expect(logger.entries.filter((e) => e.level === 'warn').map((e) => e.msg)).toEqual(['route Parent.hidden (/sub/echo) never runs: the mount at /sub is matched first']);
  });

  it('closes the mounted app\'s sockets with 1001 on close(), and waits for their handlers and cleanups', async () => {
    const events: string[] = [];
    async function* resource() {
      try {
        yield 'r';
      } finally {
        events.push('cleanup');
      }
    }
    @Controller()
    class Live {
      @WebSocketRoute('/live')
      async live(ws: WebSocket, @Depends(resource) _r: string) {
        await ws.accept();
        await ws.sendText('ready');
        try {
          await ws.receiveText();
        } catch (err) {
          events.push(`handler ${(err as WebSocketDisconnect).code}`);
          throw err;
        }
      }
    }
    const inner = new App({ logger: false }).include(Live);
    // Registered before the mounts, so it runs after the parent's drain and before the mounted apps close.
    let afterDrain: string[] = [];
    const app = new App({ logger: false })
      .include(Parent)
      .onClose(() => (afterDrain = [...events]))
      .mount('/sub', new App({ logger: false }).include(Live))
      .mount('/outer', new App({ logger: false }).mount('/inner', inner));
    client = await LiveTestClient.start(app);
    const sockets = await Promise.all(['/sub/live', '/outer/inner/live'].map((path) => client!.websocket(path)));
    for (const ws of sockets) expect(await ws.receiveText()).toBe('ready');
    const result = await app.close({ drainTimeoutMs: 5000 });
    expect(result.abandoned).toEqual([]);
    // The parent's drain told the mounted handlers, as it tells its own; it did not wait for its deadline.
    expect(afterDrain.filter((e) => e.startsWith('handler'))).toEqual(['handler 1001', 'handler 1001']);
    expect(events.sort()).toEqual(['cleanup', 'cleanup', 'handler 1001', 'handler 1001']);
    const closes = await Promise.all(sockets.map((ws) => ws.closed));
    expect(closes).toEqual(Array(2).fill({ code: 1001, reason: 'Server shutting down' }));
  });
});
