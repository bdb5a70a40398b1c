import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { App, Controller, Depends, WebSocket, WebSocketDisconnect, WebSocketRoute } from '@fastts/core';
import { LiveTestClient, type WebSocketSession } from '@fastts/testing';
import { sleep } from './helpers.js';

// The limits of WebSocket connections over real sockets: message size,
// backpressure towards a slow reader, many connections at once, the drain on
// close(), and pings that find dead peers.

let client: LiveTestClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('message size', () => {
  it('closes with 1009 when a message is larger than maxMessageBytes; the handler sees WebSocketDisconnect(1009)', async () => {
    const seen = deferred<number>();
    @Controller()
    class Sink {
      @WebSocketRoute('/sink')
      async sink(ws: WebSocket) {
        await ws.accept();
        try {
          for (;;) await ws.sendText(String((await ws.receiveBytes()).length));
        } catch (err) {
          seen.resolve((err as WebSocketDisconnect).code);
        }
      }
    }
    client = await LiveTestClient.start(new App({ logger: false, websocket: { maxMessageBytes: 1024 } }).include(Sink));
    const ws = await client.websocket('/sink');
    await ws.sendBytes(Buffer.alloc(1024));
    expect(await ws.receiveText()).toBe('1024');
    await ws.sendBytes(Buffer.alloc(1025));
    expect((await ws.closed).code).toBe(1009);
    expect(await seen.promise).toBe(1009);
  });
});

describe('backpressure', () => {
  it('holds a sender to a slow reader: bufferedAmount stays under maxBufferedBytes plus one message, and send() waits', async () => {
    const chunk = Buffer.alloc(64 * 1024, 7);
    const total = 1000;
    const limit = 256 * 1024;
    const progress = { sent: 0, maxBuffered: 0, waited: 0, done: false };
    @Controller()
    class Firehose {
      @WebSocketRoute('/firehose')
      async firehose(ws: WebSocket) {
        await ws.accept();
        for (let i = 0; i < total; i++) {
          let settled = false;
          const sending = ws.sendBytes(chunk).then(() => (settled = true));
          progress.maxBuffered = Math.max(progress.maxBuffered, ws.bufferedAmount);
          // Let a promise that is already resolved settle before asking whether this send had to wait.
          await Promise.resolve();
          if (!settled) progress.waited++;
          await sending;
          progress.sent++;
        }
        progress.done = true;
      }
    }
    client = await LiveTestClient.start(new App({ logger: false, websocket: { maxBufferedBytes: limit } }).include(Firehose));
    const ws = await client.websocket('/firehose');
    // The client stops reading its socket: the kernel's buffers fill, then the server's.
    ws.raw.pause();
    let last = -1;
    for (let i = 0; i < 200 && progress.sent !== last; i++) {
      last = progress.sent;
      await sleep(50);
    }
    // 62.5 MiB cannot fit in loopback socket buffers: the handler is stuck in an await, not buffering.
    expect(progress.done).toBe(false);
    expect(progress.sent).toBeLessThan(total);
    expect(progress.waited).toBeGreaterThan(0);
    // Plus the frame headers (10 bytes a message) of what was queued.
    expect(progress.maxBuffered).toBeLessThanOrEqual(limit + chunk.length + 1024);
    ws.raw.resume();
    let received = 0;
    while (received < total) {
      expect((await ws.receiveBytes()).length).toBe(chunk.length);
      received++;
    }
    expect(progress.sent).toBe(total);
    expect(progress.maxBuffered).toBeLessThanOrEqual(limit + chunk.length + 1024);
  }, 60_000);
});

@Controller()
class Echo {
  @WebSocketRoute('/echo/{id}')
  async echo(ws: WebSocket) {
    await ws.accept();
    for await (const text of ws.iterText()) await ws.sendText(`${ws.pathParams.id}:${text}`);
  }
}

describe('many connections', () => {
  it('serves 1,000 sockets open at once: each gets its echo', async () => {
    client = await LiveTestClient.start(new App({ logger: false }).include(Echo));
    const sockets: WebSocketSession[] = [];
    // Opened 100 at a time, so the listen backlog never overflows on a small machine.
    for (let batch = 0; batch < 10; batch++) {
      sockets.push(...(await Promise.all(Array.from({ length: 100 }, (_, i) => client!.websocket(`/echo/${batch * 100 + i}`)))));
    }
    expect(sockets).toHaveLength(1000);
    const answers = await Promise.all(
      sockets.map(async (ws, i) => {
        await ws.sendText('ping');
        return (await ws.receiveText()) === `${i}:ping`;
      }),
    );
    expect(answers.filter(Boolean)).toHaveLength(1000);
    const closes = await Promise.all(sockets.map((ws) => ws.close()));
    expect(closes.every((c) => c.code === 1000)).toBe(true);
  }, 60_000);
});

describe('drain', () => {
  it('app.close() tells handlers (WebSocketDisconnect 1001), closes every socket with 1001 and waits for their cleanups', async () => {
    const codes: number[] = [];
    const cleaned: string[] = [];
    async function* resource() {
      try {
        yield 'r';
      } finally {
        cleaned.push('cleanup');
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
          codes.push((err as WebSocketDisconnect).code);
          throw err;
        }
      }
    }
    const app = new App({ logger: false }).include(Live);
    client = await LiveTestClient.start(app);
    const sockets = await Promise.all([1, 2, 3].map(() => client!.websocket('/live')));
    for (const ws of sockets) expect(await ws.receiveText()).toBe('ready');
    const result = await app.close({ drainTimeoutMs: 5000 });
    expect(result.abandoned).toEqual([]);
    expect(codes).toEqual([1001, 1001, 1001]);
    expect(cleaned).toEqual(['cleanup', 'cleanup', 'cleanup']);
    const closes = await Promise.all(sockets.map((ws) => ws.closed));
    expect(closes).toEqual(Array(3).fill({ code: 1001, reason: 'Server shutting down' }));
  });

  it('cuts a peer that never answers the close frame at the drain deadline, naming its route', async () => {
    // A handler that ignores the disconnect for a while, as a task may ignore its AbortSignal.
    const release = deferred();
    @Controller()
    class Live {
      @WebSocketRoute('/live')
      async live(ws: WebSocket) {
        await ws.accept();
        await ws.receiveText().catch(() => release.promise);
      }
    }
    const app = new App({ logger: false }).include(Live);
    client = await LiveTestClient.start(app);
    const raw = await rawHandshake(Number(new URL(client.url).port), '/live');
    const ended = new Promise<void>((resolve) => raw.on('close', () => resolve()));
    const result = await app.close({ drainTimeoutMs: 300 });
    expect(result.abandoned).toEqual(['websocket Live.live']);
    await ended;
    release.resolve();
  });
});

describe('ping', () => {
  it('cuts a peer that does not answer pings; a peer that does stays connected', async () => {
    const seen = deferred<WebSocketDisconnect>();
    @Controller()
    class Idle {
      @WebSocketRoute('/idle')
      async idle(ws: WebSocket) {
        await ws.accept();
        await ws.sendText('ready');
        try {
          for await (const text of ws.iterText()) await ws.sendText(text);
          await ws.receiveText();
        } catch (err) {
          seen.resolve(err as WebSocketDisconnect);
        }
      }
    }
    client = await LiveTestClient.start(new App({ logger: false, websocket: { pingIntervalMs: 50, pingTimeoutMs: 100 } }).include(Idle));
    const alive = await client.websocket('/idle');
    expect(await alive.receiveText()).toBe('ready');
    const dead = await rawHandshake(Number(new URL(client.url).port), '/idle');
    const cut = new Promise<void>((resolve) => dead.on('close', () => resolve()));
    await cut;
    const error = await seen.promise;
    expect([error.code, error.reason]).toEqual([1006, 'ping timeout']);
    // ws's client answers pings itself: several intervals later it is still served.
    await alive.sendText('still here');
    expect(await alive.receiveText()).toBe('still here');
  });
});

/** A client that completes the handshake by hand and then never answers anything (not pings, not close frames). */
async function rawHandshake(port: number, path: string): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  const head = await new Promise<string>((resolve, reject) => {
    socket.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1')));
    socket.once('error', reject);
  });
  expect(head.startsWith('HTTP/1.1 101')).toBe(true);
  // Keep reading (and dropping) frames, so only the missing answers are at fault.
  socket.on('data', () => {});
  socket.on('error', () => {});
  return socket;
}
