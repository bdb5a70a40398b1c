import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { App, Controller, Depends, Get, dependency, HTTPException, Path, Query, Header, Cookie, WebSocket, WebSocketDisconnect, WebSocketException, WebSocketRoute } from '@fastts/core';
import { APIKeyHeader } from '@fastts/core/security';
import { LiveTestClient, TestClient, WebSocketHandshakeError } from '@fastts/testing';
import { memoryLogger } from './helpers.js';

// WebSocket routes over real sockets: the handler's parameters come from the
// same dependency injection as HTTP routes, solved before the handshake is
// answered; the WebSocket object sends, receives and closes.

let client: LiveTestClient | TestClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

/** A promise and its resolve, for waiting on a side effect of the server. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

@Controller()
class Echo {
  @WebSocketRoute('/echo')
  async echo(ws: WebSocket) {
    await ws.accept();
    for await (const text of ws.iterText()) await ws.sendText(`echo: ${text}`);
  }

  @WebSocketRoute('/bytes')
  async bytes(ws: WebSocket) {
    await ws.accept();
    const data = await ws.receiveBytes();
    await ws.sendBytes(Buffer.from([...data].reverse()));
    await ws.close(4000, 'done');
  }

  @WebSocketRoute('/json')
  async json(ws: WebSocket) {
    await ws.accept();
    for await (const message of ws.iterJson<{ n: number }>()) await ws.sendJson({ doubled: message.n * 2 });
  }

  @Get('/plain')
  plain() {
    return { http: true };
  }
}

describe('echo', () => {
  it('sends text back until the client closes, over both test clients', async () => {
    for (const start of [() => LiveTestClient.start(new App({ logger: false }).include(Echo)), () => TestClient.start(new App({ logger: false }).include(Echo))]) {
      client = await start();
      const ws = await client.websocket('/echo');
      await ws.sendText('a');
      await ws.sendText('b');
      expect(await ws.receiveText()).toBe('echo: a');
      expect(await ws.receiveText()).toBe('echo: b');
      expect(await ws.close()).toEqual({ code: 1000, reason: '' });
      // HTTP routes of the same app still answer beside it.
      expect((await client.get('/plain')).json()).toEqual({ http: true });
      await client.close();
      client = undefined;
    }
  });

  it('sends bytes and closes with the code and reason given', async () => {
    client = await LiveTestClient.start(new App({ logger: false }).include(Echo));
    const ws = await client.websocket('/bytes');
    await ws.sendBytes(Buffer.from([1, 2, 3]));
    expect([...(await ws.receiveBytes())]).toEqual([3, 2, 1]);
    expect(await ws.closed).toEqual({ code: 4000, reason: 'done' });
    await expect(ws.receive()).rejects.toMatchObject({ name: 'WebSocketDisconnect', code: 4000 });
  });

  it('iterates over JSON messages', async () => {
    client = await LiveTestClient.start(new App({ logger: false }).include(Echo));
    const ws = await client.websocket('/json');
    for (const n of [1, 2, 3]) await ws.sendJson({ n });
    expect([await ws.receiveJson(), await ws.receiveJson(), await ws.receiveJson()]).toEqual([{ doubled: 2 }, { doubled: 4 }, { doubled: 6 }]);
    // A message that is not JSON ends the route with 1007 (invalid data in a message).
    await ws.sendText('{not json');
    expect((await ws.closed).code).toBe(1007);
  });
});

describe('parameters and dependencies', () => {
  const apiKey = APIKeyHeader({ name: 'x-api-key' });

  @Controller('/rooms')
  class Rooms {
    @WebSocketRoute('/{room}')
    async join(
      ws: WebSocket,
      @Path('room') room: string,
      @Query('limit') limit: number,
      @Header('x-client') clientName: string,
      @Cookie('session') session: string,
      @Depends(apiKey) key: string,
    ) {
      await ws.accept({ subprotocol: 'chat.v1', headers: { 'x-room': room } });
      await ws.sendJson({ room, limit, clientName, session, key, url: ws.url.href, client: ws.client.host, state: ws.state });
      await ws.close();
    }
  }

  it('solves path, query, header, cookie and security dependencies from the handshake', async () => {
    client = await LiveTestClient.start(new App({ logger: false }).include(Rooms));
    const ws = await client.websocket('/rooms/lobby?limit=5', {
      headers: { 'x-api-key': 'secret', 'x-client': 'cli', cookie: 'session=s1' },
      subprotocols: ['chat.v2', 'chat.v1'],
    });
    expect(ws.subprotocol).toBe('chat.v1');
    expect(ws.headers['x-room']).toBe('lobby');
    const port = new URL((client as LiveTestClient).url).port;
    expect(await ws.receiveJson()).toEqual({
      room: 'lobby',
      limit: 5,
      clientName: 'cli',
      session: 's1',
      key: 'secret',
      url: `ws://127.0.0.1:${port}/rooms/lobby?limit=5`,
      client: '127.0.0.1',
      state: 'open',
    });
    expect((await ws.closed).code).toBe(1000);
  });

  it('refuses the handshake with 403 when the security dependency finds no key, and 403 on invalid parameters', async () => {
    client = await LiveTestClient.start(new App({ logger: false }).include(Rooms));
    const headers = { 'x-client': 'cli', cookie: 'session=s1' };
    // APIKeyHeader raises HTTPException(401): sent as the handshake's HTTP response (Starlette's denial response).
    const missing = await client.websocket('/rooms/lobby?limit=5', { headers }).catch((err: unknown) => err);
    expect(missing).toBeInstanceOf(WebSocketHandshakeError);
    expect((missing as WebSocketHandshakeError).status).toBe(401);
    expect((missing as WebSocketHandshakeError).json()).toEqual({ detail: 'Not authenticated' });
    // A query parameter that does not validate: FastAPI closes with 1008 before accept, which the server answers with 403.
    const invalid = await client.websocket('/rooms/lobby?limit=many', { headers: { ...headers, 'x-api-key': 'secret' } }).catch((err: unknown) => err);
    expect((invalid as WebSocketHandshakeError).status).toBe(403);
  });

  it('refuses with 403 for WebSocketException and an HTTPException status as given, before accept', async () => {
    const gate = dependency([Query('token')], (token: string) => {
      if (token === 'http') throw new HTTPException(429, 'slow down', { 'retry-after': '5' });
      if (token !== 'ok') throw new WebSocketException(1008, 'token required');
      return token;
    });
    @Controller()
    class Gated {
      @WebSocketRoute('/gated')
      async gated(ws: WebSocket, @Depends(gate) token: string) {
        await ws.accept();
        await ws.sendText(token);
      }
    }
    client = await LiveTestClient.start(new App({ logger: false }).include(Gated));
    const refused = (await client.websocket('/gated?token=no').catch((e: unknown) => e)) as WebSocketHandshakeError;
    expect(refused.status).toBe(403);
    const limited = (await client.websocket('/gated?token=http').catch((e: unknown) => e)) as WebSocketHandshakeError;
    expect([limited.status, limited.headers['retry-after'], limited.json()]).toEqual([429, '5', { detail: 'slow down' }]);
    const ws = await client.websocket('/gated?token=ok');
    expect(await ws.receiveText()).toBe('ok');
  });

  it('closes with the code of a WebSocketException thrown after accept', async () => {
    @Controller()
    class Strict {
      @WebSocketRoute('/strict')
      async strict(ws: WebSocket) {
        await ws.accept();
        if ((await ws.receiveText()) !== 'hello') throw new WebSocketException(4001, 'say hello');
      }
    }
    client = await LiveTestClient.start(new App({ logger: false }).include(Strict));
    const ws = await client.websocket('/strict');
    await ws.sendText('bye');
    expect(await ws.closed).toEqual({ code: 4001, reason: 'say hello' });
  });
});

describe('endings', () => {
  it('runs a cleanup dependency when the socket closes, and the handler sees WebSocketDisconnect with the client code', async () => {
    const events: string[] = [];
    const cleaned = deferred();
    const seen = deferred<WebSocketDisconnect>();
    async function* session() {
      events.push('open');
      try {
        yield 'db';
      } finally {
        events.push('cleanup');
        cleaned.resolve();
      }
    }
    @Controller()
    class Tracked {
      @WebSocketRoute('/tracked')
      async tracked(ws: WebSocket, @Depends(session) db: string) {
        await ws.accept();
        await ws.sendText(db);
        try {
          await ws.receiveText();
        } catch (err) {
          events.push('disconnect');
          seen.resolve(err as WebSocketDisconnect);
          throw err;
        }
      }
    }
    client = await LiveTestClient.start(new App({ logger: false }).include(Tracked));
    const ws = await client.websocket('/tracked');
    expect(await ws.receiveText()).toBe('db');
    expect(events).toEqual(['open']);
    await ws.close(4321, 'going');
    const error = await seen.promise;
    expect(error).toBeInstanceOf(WebSocketDisconnect);
    expect([error.code, error.reason]).toEqual([4321, 'going']);
    await cleaned.promise;
    expect(events).toEqual(['open', 'disconnect', 'cleanup']);
    // backgroundIdle() waits for a closed connection's handler and cleanups.
    await client.waitForTasks();
  });

  it('answers 500 to the handshake when a dependency throws, and closes with 1011 when the handler throws after accept', async () => {
    const logger = memoryLogger();
    const broken = (): string => {
      throw new Error('database down');
    };
    @Controller()
    class Failing {
      @WebSocketRoute('/before')
      async before(ws: WebSocket, @Depends(broken) value: string) {
        await ws.accept();
        await ws.sendText(value);
      }

      @WebSocketRoute('/after')
      async after(ws: WebSocket) {
        await ws.accept();
        throw new Error('handler bug');
      }
    }
    client = await LiveTestClient.start(new App({ logger }).include(Failing));
    const refused = (await client.websocket('/before').catch((e: unknown) => e)) as WebSocketHandshakeError;
    expect(refused.status).toBe(500);
    const ws = await client.websocket('/after');
    expect((await ws.closed).code).toBe(1011);
    const messages = logger.entries.filter((e) => e.level === 'error').map((e) => (e.obj.err as Error).message);
    expect(messages).toEqual(['database down', 'handler bug']);
  });

  it('closes with 1000 when the handler returns after accept; refuses with 403 when it closes before accept', async () => {
    @Controller()
    class Short {
      @WebSocketRoute('/short')
      async short(ws: WebSocket) {
        await ws.accept();
      }

      @WebSocketRoute('/no')
      async no(ws: WebSocket) {
        await ws.close();
      }
    }
    client = await LiveTestClient.start(new App({ logger: false }).include(Short));
    expect((await (await client.websocket('/short')).closed).code).toBe(1000);
    expect(((await client.websocket('/no').catch((e: unknown) => e)) as WebSocketHandshakeError).status).toBe(403);
  });
});

describe('routing', () => {
  it('refuses an upgrade to a path without a WebSocket route with 403 and answers plain HTTP to a WebSocket path with 404', async () => {
    client = await LiveTestClient.start(new App({ logger: false }).include(Echo));
    expect(((await client.websocket('/nowhere').catch((e: unknown) => e)) as WebSocketHandshakeError).status).toBe(403);
    expect(((await client.websocket('/plain').catch((e: unknown) => e)) as WebSocketHandshakeError).status).toBe(403);
    expect((await client.get('/echo')).status).toBe(404);
  });

  it('answers an upgrade to another protocol (h2c) as plain HTTP', async () => {
    client = await LiveTestClient.start(new App({ logger: false }).include(Echo));
    // undici refuses to send Upgrade itself: what `curl --http2 http://...` sends, by hand.
    const port = Number(new URL((client as LiveTestClient).url).port);
    const socket = connect(port, '127.0.0.1');
    socket.end('GET /plain HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n');
    const chunks: Buffer[] = [];
    for await (const chunk of socket) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    expect(text.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(text.endsWith('{"http":true}')).toBe(true);
  });

  it('lists WebSocket routes in app.routes with their kind, outside the OpenAPI operations', async () => {
    const app = new App({ logger: false }).include(Echo);
    expect(app.routes.map((r) => [r.kind, r.path])).toEqual([
      ['http', '/plain'],
      ['websocket', '/echo'],
      ['websocket', '/bytes'],
      ['websocket', '/json'],
    ]);
    expect(app.hasWebSocketRoutes).toBe(true);
    expect(new App({ logger: false }).hasWebSocketRoutes).toBe(false);
  });

  it('refuses a body parameter or an injected Response at compile time', async () => {
    const { Body, Response } = await import('@fastts/core');
    @Controller()
    class WithBody {
      @WebSocketRoute('/x')
      async x(ws: WebSocket, @Body() body: object) {
        await ws.accept();
        void body;
      }
    }
    @Controller()
    class WithResponse {
      @WebSocketRoute('/y')
      async y(ws: WebSocket, response: Response) {
        await ws.accept();
        void response;
      }
    }
    expect(() => new App({ logger: false }).include(WithBody).compile()).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_WEBSOCKET_PARAM' }));
    expect(() => new App({ logger: false }).include(WithResponse).compile()).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_WEBSOCKET_PARAM' }));
  });
});
