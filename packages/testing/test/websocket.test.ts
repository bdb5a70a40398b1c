import { describe, expect, it } from 'vitest';
import { App, Controller, Get, Query, WebSocket, WebSocketDisconnect, WebSocketException, WebSocketRoute } from '@fastts/core';
import { LiveTestClient, TestClient, WebSocketHandshakeError } from '@fastts/testing';

// Both clients open WebSockets over a real loopback socket (the in-process
// client starts one for them): send, receive, close, and the close code.

@Controller()
class Chat {
  @WebSocketRoute('/chat')
  async chat(ws: WebSocket, @Query('name') name: string) {
    if (name === 'mallory') throw new WebSocketException(1008, 'not welcome');
    await ws.accept();
    await ws.sendJson({ hello: name });
    for await (const text of ws.iterText()) {
      if (text === 'bye') return ws.close(4000, `bye ${name}`);
      await ws.sendText(text.toUpperCase());
    }
  }

  @Get('/health')
  health() {
    return 'ok';
  }
}

const clients = {
  TestClient: (app: App) => TestClient.start(app),
  LiveTestClient: (app: App) => LiveTestClient.start(app),
};

describe.each(Object.entries(clients))('%s.websocket()', (_name, start) => {
  it('sends, receives, and sees the close code the server chose', async () => {
    const client = await start(new App({ logger: false }).include(Chat));
    try {
      const ws = await client.websocket('/chat?name=ada');
      expect(await ws.receiveJson()).toEqual({ hello: 'ada' });
      await ws.sendText('hi');
      expect(await ws.receiveText()).toBe('HI');
      await ws.sendText('bye');
      expect(await ws.closed).toEqual({ code: 4000, reason: 'bye ada' });
      // After the close, a receive throws the core's WebSocketDisconnect with that code.
      const error = await ws.receive().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(WebSocketDisconnect);
      expect((error as WebSocketDisconnect).code).toBe(4000);
      expect((await client.get('/health')).json()).toBe('ok');
    } finally {
      await client.close();
    }
  });

  it('closes from the client side with a code, and reports a refused handshake', async () => {
    const client = await start(new App({ logger: false }).include(Chat));
    try {
      const ws = await client.websocket('/chat?name=bob');
      await ws.receiveJson();
      expect(await ws.close(4100, 'leaving')).toEqual({ code: 4100, reason: 'leaving' });
      const refused = await client.websocket('/chat?name=mallory').catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(WebSocketHandshakeError);
      expect((refused as WebSocketHandshakeError).status).toBe(403);
    } finally {
      await client.close();
    }
  });

  it('sees 1001 when the client (and so the app) closes with sockets open', async () => {
    const client = await start(new App({ logger: false }).include(Chat));
    const ws = await client.websocket('/chat?name=eve');
    await ws.receiveJson();
    await client.close();
    expect(await ws.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
  });
});
