// fastts, from the built @fastts/core: a WebSocket echo route and an SSE
// stream, as docs/websockets.md and docs/server-sent-events.md write them,
// with the default limits (pings every 20 s on sockets, every 15 s on idle streams).
import { App, Controller, EventSourceResponse, Get, Request, WebSocket, WebSocketRoute, serve } from '@fastts/core';
import { memorySnapshot } from './memory.js';

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
    for await (const message of ws.iterText()) await ws.sendText(message);
  }
}

await serve(new App().include(Realtime));
