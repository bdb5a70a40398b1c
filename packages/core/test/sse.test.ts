import { once, EventEmitter } from 'node:events';
import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  App,
  BackgroundTask,
  BackgroundTasks,
  Controller,
  EventSourceResponse,
  Get,
  Header,
  JSONLinesResponse,
  Request,
  ServerSentEvent,
  encodeEvent,
  gzip,
  lastEventId,
} from '@fastts/core';
import { LiveTestClient } from '@fastts/testing';
import { sleep } from './helpers.js';

// Server-sent events and JSON Lines over a real socket (undici through
// LiveTestClient, and node:http where the raw bytes matter).

const events: string[] = [];
/** Opened by a test: an idle source waits on it. */
let gate = opening();
/** Settles when a source's cleanup has run. */
let cleaned = opening();
const bus = new EventEmitter();

function opening() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** At most `ms`: a liveness bound, so a broken close fails the test instead of hanging it. */
function within<T>(ms: number, promise: Promise<T>): Promise<T | 'timed out'> {
  return Promise.race([promise, sleep(ms).then(() => 'timed out' as const)]);
}

/** An async iterator (not a generator) whose next() waits until it is closed: return() runs at once. */
function idleSource(first: unknown): AsyncIterable<unknown> {
  let sent = false;
  let wake: (() => void) | undefined;
  return {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        if (!sent) {
          sent = true;
          return { done: false, value: first };
        }
        await new Promise<void>((resolve) => (wake = resolve));
        return { done: true, value: undefined };
      },
      return: async () => {
        events.push('iterator closed');
        wake?.();
        cleaned.open();
        return { done: true, value: undefined };
      },
    }),
  };
}

// The feed a reconnecting EventSource resumes.
const feed = ['fixed the build', 'shipped 1.2', 'wrote the docs', 'answered issues', 'went home'];

@Controller()
class Live {
  @Get('/fields')
  fields() {
    return new EventSourceResponse([
      'hello',
      { price: 9.5 },
      new ServerSentEvent({ event: 'update', id: 7, retry: 3000, rawData: 'line one\nline two\r\nline three\rline four' }),
      new ServerSentEvent({ comment: 'a comment\non two lines' }),
      new ServerSentEvent({ data: 'text, JSON-encoded', id: '' }),
    ]);
  }

  @Get('/feed')
  feed(request: Request) {
    // The id of the last event the client received, when it reconnects.
    const after = Number(lastEventId(request) ?? 0);
    async function* entries() {
      for (let id = after + 1; id <= feed.length; id++) {
        yield new ServerSentEvent({ id, event: 'entry', data: { text: feed[id - 1] } });
      }
    }
    return new EventSourceResponse(entries());
  }

  @Get('/feed-by-header')
  feedByHeader(@Header('last-event-id', { type: String, optional: true }) lastId: string | undefined) {
    return new EventSourceResponse(feed.slice(Number(lastId ?? 0)).map((text, i) => new ServerSentEvent({ id: Number(lastId ?? 0) + i + 1, data: text })));
  }

  @Get('/idle')
  idle() {
    async function* waiting() {
      yield 'first';
      await gate.opened;
      yield 'after the gate';
    }
    return new EventSourceResponse(waiting(), { ping: 20 });
  }

  @Get('/idle-iterator')
  idleIterator(tasks: BackgroundTasks) {
    tasks.addTask(() => void events.push('task'));
    return new EventSourceResponse(idleSource('first'));
  }

  @Get('/idle-generator')
  idleGenerator(request: Request) {
    async function* waiting() {
      try {
        yield 'first';
        // Awaiting with the request's signal: a client that leaves ends the wait at once.
        await once(bus, 'never', { signal: request.signal });
        yield 'never sent';
      } catch (err) {
        events.push(`wait ended: ${(err as Error).name}`);
      } finally {
        events.push('generator finally');
        cleaned.open();
      }
    }
    return new EventSourceResponse(waiting());
  }

  @Get('/with-background')
  withBackground(tasks: BackgroundTasks) {
    tasks.addTask(() => void events.push('injected task'));
    async function* items() {
      try {
        yield 'one';
        await sleep(5);
        yield 'two';
      } finally {
        events.push('stream finally');
      }
    }
    return new EventSourceResponse(items(), { background: new BackgroundTask(() => void events.push('own task')) });
  }

  @Get('/lines')
  lines() {
    async function* rows() {
      yield { id: 1, name: 'first' };
      await gate.opened;
      yield 'a string';
      yield [1, 2];
    }
    return new JSONLinesResponse(rows());
  }
}

let client: LiveTestClient;
let port: number;

beforeAll(async () => {
  const app = new App({ logger: false }).include(Live);
  // Large bodies would be compressed; server-sent events never are.
  app.use(gzip({ minimumSize: 0 }));
  client = await LiveTestClient.start(app);
  port = Number(new URL(client.url).port);
});

afterAll(async () => {
  await client.close();
});

afterEach(() => {
  events.length = 0;
  gate = opening();
  cleaned = opening();
});

/** The response's raw bytes and headers as node:http receives them, with the request headers given. */
function raw(path: string, headers: Record<string, string> = {}): Promise<{ headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(parts).toString('latin1') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('EventSourceResponse', () => {
  it('encodes each field: JSON data, multi-line data on several lines, event, id, retry, comments', async () => {
    const { headers, body } = await raw('/fields');
    expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(headers['cache-control']).toBe('no-cache');
    expect(headers['x-accel-buffering']).toBe('no');
    expect(headers['transfer-encoding']).toBe('chunked');
    expect(body).toBe(
      [
        'data: "hello"',
        '',
        'data: {"price":9.5}',
        '',
        'event: update',
        'data: line one',
        'data: line two',
        'data: line three',
        'data: line four',
        'id: 7',
        'retry: 3000',
        '',
        ': a comment',
        ': on two lines',
        '',
        'data: "text, JSON-encoded"',
        'id: ',
        '',
        '',
      ].join('\n'),
    );
  });

  it('is parsed back by the test client as an EventSource would', async () => {
    const stream = await client.stream('GET', '/fields');
    const parsed = [];
    for await (const ev of stream.sse()) parsed.push(ev);
    expect(parsed.map(({ event, data, id, retry }) => ({ event, data, id, retry }))).toEqual([
      { event: 'message', data: '"hello"', id: undefined, retry: undefined },
      { event: 'message', data: '{"price":9.5}', id: undefined, retry: undefined },
      { event: 'update', data: 'line one\nline two\nline three\nline four', id: '7', retry: 3000 },
      { event: 'message', data: '"text, JSON-encoded"', id: '', retry: undefined },
    ]);
  });

  it('refuses an id or an event name that would break the stream, and data with rawData', () => {
    expect(() => new ServerSentEvent({ id: '1\n2' })).toThrow(TypeError);
    expect(() => new ServerSentEvent({ id: 'a\rb' })).toThrow(/line break/);
    expect(() => new ServerSentEvent({ event: 'a\nb' })).toThrow(/line break/);
    expect(() => new ServerSentEvent({ data: 1, rawData: '1' })).toThrow(/not both/);
    expect(() => new ServerSentEvent({ retry: -1 })).toThrow(/retry/);
    expect(encodeEvent(new ServerSentEvent({ rawData: 'a\r\n\r\nb' }))).toBe('data: a\ndata: \ndata: b\n\n');
  });

  it('sends a ping comment while the source is idle, then goes on', async () => {
    const stream = await client.stream('GET', '/idle');
    const seen: string[] = [];
    for await (const ev of stream.sse({ comments: true })) {
      seen.push(ev.data ?? `: ${ev.comments.join()}`);
      // Two pings in a row prove the interval repeats while idle.
      if (seen.length === 3) gate.open();
    }
    expect(seen.slice(0, 3)).toEqual(['"first"', ': ping', ': ping']);
    expect(seen.at(-1)).toBe('"after the gate"');
  });

  it('lets a reconnecting client resume after the last id it received, without a duplicate', async () => {
    const first = await client.stream('GET', '/feed');
    const received: { id?: string; text: string }[] = [];
    for await (const ev of first.sse()) {
      received.push({ id: ev.id, text: JSON.parse(ev.data!).text });
      if (received.length === 2) break;
    }
    await first.close();
    const again = await client.stream('GET', '/feed', { headers: { 'last-event-id': received.at(-1)!.id! } });
    for await (const ev of again.sse()) received.push({ id: ev.id, text: JSON.parse(ev.data!).text });
    expect(received).toEqual(feed.map((text, i) => ({ id: String(i + 1), text })));

    // The same read through a header parameter.
    const byHeader = await client.stream('GET', '/feed-by-header', { headers: { 'last-event-id': '3' } });
    const rest = [];
    for await (const ev of byHeader.sse()) rest.push(ev.id);
    expect(rest).toEqual(['4', '5']);
  });

  it('closes an async iterator at once when the client leaves while it awaits, then runs the background', async () => {
    const stream = await client.stream('GET', '/idle-iterator');
    for await (const ev of stream.sse()) {
      expect(ev.data).toBe('"first"');
      break;
    }
    await stream.close();
    expect(await within(5000, cleaned.opened)).toBeUndefined();
    await client.waitForTasks();
    expect(events).toEqual(['iterator closed', 'task']);
  });

  it("runs a generator's finally when the client leaves while it awaits with request.signal", async () => {
    const stream = await client.stream('GET', '/idle-generator');
    for await (const _ of stream.sse()) break;
    await stream.close();
    expect(await within(5000, cleaned.opened)).toBeUndefined();
    expect(events).toEqual(['wait ended: AbortError', 'generator finally']);
  });

  it('runs the background, injected and its own, after the stream has ended', async () => {
    const stream = await client.stream('GET', '/with-background');
    expect(await stream.text()).toBe('data: "one"\n\ndata: "two"\n\n');
    await client.waitForTasks();
    expect(events).toEqual(['stream finally', 'injected task', 'own task']);
  });

  it('is left uncompressed by gzip()', async () => {
    const { headers, body } = await raw('/fields', { 'accept-encoding': 'gzip' });
    expect(headers['content-encoding']).toBeUndefined();
    expect(body.startsWith('data: "hello"\n\n')).toBe(true);
  });
});

describe('JSONLinesResponse', () => {
  it('sends one JSON value per line, each as soon as the source yields it', async () => {
    const stream = await client.stream('GET', '/lines');
    expect(stream.headers['content-type']).toBe('application/x-ndjson');
    const values: unknown[] = [];
    for await (const value of stream.jsonLines()) {
      values.push(value);
      // The first line arrived while the source still waits: it was flushed on its own.
      if (values.length === 1) gate.open();
    }
    expect(values).toEqual([{ id: 1, name: 'first' }, 'a string', [1, 2]]);
  });

  it('writes exactly one line per item', async () => {
    gate.open();
    const { body } = await raw('/lines');
    expect(body).toBe('{"id":1,"name":"first"}\n"a string"\n[1,2]\n');
  });
});
