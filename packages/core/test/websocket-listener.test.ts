import { afterEach, describe, expect, it } from 'vitest';
import { App, Controller, WebSocket, WebSocketException, WebSocketRoute } from '@fastts/core';
import { LiveTestClient } from '@fastts/testing';
import { memoryLogger } from './helpers.js';

// ws.onText/onBytes/onMessage and ws.closed over real sockets: messages go
// to the listener as they arrive, the handler waits on `closed`, and a
// failing listener ends the handler as a thrown error would.

let client: LiveTestClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

const ended: string[] = [];

@Controller()
class Listeners {
  @WebSocketRoute('/echo')
  async echo(ws: WebSocket) {
    await ws.accept();
    ws.onText((text) => ws.sendText(`echo: ${text}`));
    const gone = await ws.closed;
    ended.push(`closed ${gone.code}`);
  }

  @WebSocketRoute('/late')
  async late(ws: WebSocket) {
    await ws.accept();
    // Messages sent before the listener is set are handed to it first, in order.
    await new Promise((resolve) => setTimeout(resolve, 100));
    ws.onText((text) => ws.sendText(text.toUpperCase()));
    await ws.closed;
  }

  @WebSocketRoute('/strict')
  async strict(ws: WebSocket) {
    await ws.accept();
    ws.onText((text) => {
      if (text === 'bad') throw new WebSocketException(4001, 'bad word');
      return ws.sendText(text);
    });
    await ws.closed;
  }

  @WebSocketRoute('/broken')
  async broken(ws: WebSocket) {
    await ws.accept();
    ws.onBytes(async () => {
      throw new Error('listener failed');
    });
    await ws.closed;
  }

  @WebSocketRoute('/mixed')
  async mixed(ws: WebSocket) {
    await ws.accept();
    ws.onText(() => undefined);
    try {
      await ws.receiveText();
    } catch (err) {
      await ws.sendText((err as { code?: string }).code ?? 'none');
    }
    await ws.closed;
  }
}

describe('message listeners', () => {
  it('answer each message, and closed resolves with the code once the client leaves', async () => {
    ended.length = 0;
    client = await LiveTestClient.start(new App({ logger: false }).include(Listeners));
    const ws = await client.websocket('/echo');
    for (const text of ['a', 'b', 'c']) await ws.sendText(text);
    expect([await ws.receiveText(), await ws.receiveText(), await ws.receiveText()]).toEqual(['echo: a', 'echo: b', 'echo: c']);
    await ws.close(4321);
    await client.close();
    client = undefined;
    expect(ended).toEqual(['closed 4321']);
  });

  it('get the messages that came before they were set, in order', async () => {
    client = await LiveTestClient.start(new App({ logger: false }).include(Listeners));
    const ws = await client.websocket('/late');
    for (const text of ['x', 'y']) await ws.sendText(text);
    expect([await ws.receiveText(), await ws.receiveText()]).toEqual(['X', 'Y']);
  });

  it("end the handler as a thrown error would: a WebSocketException's code, or 1011 logged", async () => {
    const logger = memoryLogger();
    client = await LiveTestClient.start(new App({ logger }).include(Listeners));
    const strict = await client.websocket('/strict');
    await strict.sendText('ok');
    expect(await strict.receiveText()).toBe('ok');
    await strict.sendText('bad');
    expect(await strict.closed).toEqual({ code: 4001, reason: 'bad word' });
    const broken = await client.websocket('/broken');
    await broken.sendBytes(Buffer.from([1]));
    expect((await broken.closed).code).toBe(1011);
    expect(logger.entries.some((entry) => entry.msg === 'WebSocket handler failed' && String((entry.obj['err'] as Error)?.message).includes('listener failed'))).toBe(true);
  });

  it('refuse a receive while a listener is set', async () => {
    client = await LiveTestClient.start(new App({ logger: false }).include(Listeners));
    const ws = await client.websocket('/mixed');
    expect(await ws.receiveText()).toBe('FASTTS_ERR_WEBSOCKET_STATE');
  });
});

describe('a listener and a slow reader', () => {
  it('stops reading while its sends wait, so the server does not buffer without bound', async () => {
    const chunk = Buffer.alloc(64 * 1024, 7);
    const limit = 256 * 1024;
    const seen = { calls: 0, maxBuffered: 0 };
    @Controller()
    class Amplifier {
      @WebSocketRoute('/amplify')
      async amplify(ws: WebSocket) {
        await ws.accept();
        // Each small message asks for 64 KiB back, and the listener does not await its send.
        ws.onText(() => {
          seen.calls++;
          void ws.sendBytes(chunk).catch(() => {});
          seen.maxBuffered = Math.max(seen.maxBuffered, ws.bufferedAmount);
        });
        await ws.closed;
      }
    }
    client = await LiveTestClient.start(new App({ logger: false, websocket: { maxBufferedBytes: limit } }).include(Amplifier));
    const ws = await client.websocket('/amplify');
    ws.raw.pause();
    // 2,000 requests would ask for 125 MiB; the client keeps sending while it reads nothing.
    for (let i = 0; i < 2000; i++) ws.raw.send('more');
    let last = -1;
    for (let i = 0; i < 100 && seen.calls !== last; i++) {
      last = seen.calls;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(seen.calls).toBeLessThan(2000);
    expect(seen.maxBuffered).toBeLessThanOrEqual(limit + 2 * chunk.length + 1024);
    ws.raw.resume();
    let received = 0;
    while (received < 2000) {
      expect((await ws.receiveBytes()).length).toBe(chunk.length);
      received++;
    }
    expect(seen.calls).toBe(2000);
  }, 60_000);
});
