// fastts, from the built @fastts/core: a WebSocket echo route and an SSE
// stream, as docs/websockets.md and docs/server-sent-events.md write them,
// with the default limits (pings every 20 s on sockets, every 15 s on idle streams).
import { App, Controller, EventSourceResponse, Get, Request, WebSocket, WebSocketRoute, serve } from '@fastts/core';
import { memorySnapshot } from './memory.js';

// ECHO_STYLE=listener: the echo as a message listener (the fastts-listener target) instead of a receive loop.
const LISTENER = process.env['ECHO_STYLE'] === 'listener';

/** One event, then nothing until the client leaves. */
async function* hello(signal: AbortSignal) {
  yield 'hello';
  await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
}

@Controller()
class Realtime {
  @Get('/hello')
  hello() {
    return 'hello';
  }

  @Get('/memory')
  memory() {
    return memorySnapshot();
  }

  @Get('/events')
  events(request: Request) {
    return new EventSourceResponse(hello(request.signal));
  }

  @WebSocketRoute('/echo')
  async echo(ws: WebSocket) {
    await ws.accept();
    if (LISTENER) {
      ws.onText((message) => ws.sendText(message));
      await ws.closed;
    } else {
      for await (const message of ws.iterText()) await ws.sendText(message);
    }
  }
}

await serve(new App().include(Realtime));
