import { afterEach, describe, expect, it } from 'vitest';
import { App, BackgroundTasks, Controller, EventSourceResponse, Get, JSONLinesResponse, Request, ServerSentEvent, lastEventId } from '@fastts/core';
import { LiveTestClient, TestClient, type BaseClient } from '@fastts/testing';

// Both clients read a response as it streams: server-sent events, JSON
// Lines, and a close() the server sees as its client leaving.

const log: string[] = [];
let closed: () => void = () => undefined;

@Controller()
class Streams {
  @Get('/events')
  events(request: Request, tasks: BackgroundTasks) {
    tasks.addTask(() => void log.push('task'));
    const from = Number(lastEventId(request) ?? 0);
    async function* ticks() {
      try {
        for (let id = from + 1; id <= 3; id++) yield new ServerSentEvent({ id, event: 'tick', data: { n: id }, retry: 1000 });
        yield new ServerSentEvent({ comment: 'that is all' });
      } finally {
        log.push('ticks finally');
      }
    }
    return new EventSourceResponse(ticks());
  }

  @Get('/forever')
  forever(request: Request) {
    async function* waiting() {
      try {
        yield 'hello';
        await new Promise((resolve) => request.signal.addEventListener('abort', resolve));
      } finally {
        log.push('forever finally');
        closed();
      }
    }
    return new EventSourceResponse(waiting(), { ping: 0 });
  }

  @Get('/rows')
  rows() {
    return new JSONLinesResponse([{ a: 1 }, 'two', null]);
  }
}

const clients: [string, (app: App) => Promise<BaseClient & { close(): Promise<void> }>][] = [
  ['TestClient (in-process)', async (app) => TestClient.start(app)],
  ['LiveTestClient (socket)', (app) => LiveTestClient.start(app)],
];

describe.each(clients)('%s', (_, start) => {
  let client: (BaseClient & { close(): Promise<void> }) | undefined;

  afterEach(async () => {
    await client?.close();
    log.length = 0;
  });

  it('reads server-sent events with their fields and comments, and sends Last-Event-ID', async () => {
    client = await start(new App({ logger: false }).include(Streams));
    const stream = await client.stream('GET', '/events');
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const seen = [];
    for await (const ev of stream.sse({ comments: true })) seen.push(ev);
    expect(seen).toEqual([
      { event: 'tick', data: '{"n":1}', id: '1', retry: 1000, comments: [] },
      { event: 'tick', data: '{"n":2}', id: '2', retry: 1000, comments: [] },
      { event: 'tick', data: '{"n":3}', id: '3', retry: 1000, comments: [] },
      { event: 'message', data: undefined, id: undefined, retry: undefined, comments: ['that is all'] },
    ]);
    await client.waitForTasks();
    expect(log).toEqual(['ticks finally', 'task']);

    const resumed = await client.stream('GET', '/events', { headers: { 'last-event-id': '2' } });
    const ids = [];
    for await (const ev of resumed.sse()) ids.push(ev.id);
    expect(ids).toEqual(['3']);
  });

  it('disconnects on close(): the source is closed', async () => {
    client = await start(new App({ logger: false }).include(Streams));
    const done = new Promise<void>((resolve) => (closed = resolve));
    const stream = await client.stream('GET', '/forever');
    for await (const ev of stream.sse()) {
      expect(ev.data).toBe('"hello"');
      break;
    }
    await stream.close();
    await done;
    expect(log).toEqual(['forever finally']);
  });

  it('reads JSON Lines, and any other response as text', async () => {
    client = await start(new App({ logger: false }).include(Streams));
    const rows = [];
    for await (const row of (await client.stream('GET', '/rows')).jsonLines()) rows.push(row);
    expect(rows).toEqual([{ a: 1 }, 'two', null]);
    const missing = await client.stream('GET', '/nowhere');
    expect(missing.status).toBe(404);
    expect(JSON.parse(await missing.text())).toEqual({ detail: 'Not Found' });
  });
});
