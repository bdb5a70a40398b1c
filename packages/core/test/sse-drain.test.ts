import { EventEmitter, once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { afterEach, expect, it } from 'vitest';
import { App, BackgroundTasks, Controller, EventSourceResponse, Get, JSONLinesResponse, Request } from '@fastts/core';

// app.close() ends open event streams when its drain begins, as sse-starlette
// does on uvicorn's should_exit: the client sees a whole body and reconnects
// elsewhere, the source is closed, the background runs, and the drain does
// not wait for the streams to its deadline.

const events: string[] = [];
const bus = new EventEmitter();
let entered = opening();
let gate = opening();

function opening() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** An async iterator (not a generator) whose next() waits until it is closed. */
function idleSource(first: unknown): AsyncIterable<unknown> {
  let sent = false;
  let wake: (() => void) | undefined;
  return {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        if (sent) await new Promise<void>((resolve) => (wake = resolve));
        sent = true;
        return { done: false, value: first };
      },
      return: async () => {
        events.push('iterator closed');
        wake?.();
        return { done: true, value: undefined };
      },
    }),
  };
}

@Controller()
class Streams {
  @Get('/forever')
  forever(request: Request, tasks: BackgroundTasks) {
    tasks.addTask(() => void events.push('task'));
    async function* waiting() {
      try {
        yield 'first';
        await once(bus, 'never', { signal: request.signal });
        yield 'never sent';
      } catch (err) {
        events.push(`wait ended: ${(err as Error).name}`);
      } finally {
        events.push('generator finally');
      }
    }
    return new EventSourceResponse(waiting());
  }

  @Get('/lines-forever')
  linesForever(tasks: BackgroundTasks) {
    tasks.addTask(() => void events.push('task'));
    return new JSONLinesResponse(idleSource({ n: 1 }));
  }

  // The handler returns its stream only once the test opens the gate, after close() began.
  @Get('/late')
  async late(request: Request, tasks: BackgroundTasks) {
    tasks.addTask(() => void events.push('task'));
    entered.open();
    await gate.opened;
    async function* ticks() {
      events.push('source started');
      for (let n = 0; ; n++) {
        yield n;
        await once(bus, 'never', { signal: request.signal });
      }
    }
    return new EventSourceResponse(ticks());
  }
}

let app: App | undefined;

afterEach(async () => {
  // A failing test leaves its stream open: bring the 30 s deadline forward.
  await app?.close({ drainTimeoutMs: 0 });
  app = undefined;
  events.length = 0;
  entered = opening();
  gate = opening();
});

interface Received {
  status: number;
  body: string;
  /** Whether node's parser saw the whole chunked body, its last chunk included. */
  complete: boolean;
  error?: string;
}

/** Opens `path`; `head` settles once the response's first bytes have come, `done` when it ends or fails. */
function open(port: number, path: string): { first: Promise<string>; done: Promise<Received> } {
  let gotFirst!: (text: string) => void;
  const first = new Promise<string>((resolve) => (gotFirst = resolve));
  const done = new Promise<Received>((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body === '') gotFirst(chunk);
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode!, body, complete: res.complete }));
      res.on('error', (err) => resolve({ status: res.statusCode!, body, complete: res.complete, error: err.message }));
    });
    req.on('error', (err) => resolve({ status: 0, body: '', complete: false, error: err.message }));
    req.end();
  });
  return { first, done };
}

/** Whether `promise` settles before a timer of `ms` fires: a liveness bound, far above what it takes. */
async function before(ms: number, promise: Promise<unknown>): Promise<'settled' | 'timer fired'> {
  let timer: NodeJS.Timeout | undefined;
  const fired = new Promise<'timer fired'>((resolve) => (timer = setTimeout(resolve, ms, 'timer fired')));
  try {
    return await Promise.race([promise.then(() => 'settled' as const), fired]);
  } finally {
    clearTimeout(timer);
  }
}

it('ends an open EventSourceResponse when the drain begins: a whole body, the generator closed, the background run', async () => {
  app = new App({ logger: false }).include(Streams);
  const { port } = await app.listen(0);
  const stream = open(port, '/forever');
  expect(await stream.first).toBe('data: "first"\n\n');
  // The deadline is 30 s: close() must not wait for the stream until then.
  const closing = app.close({ drainTimeoutMs: 30_000 });
  expect(await before(10_000, closing)).toBe('settled');
  expect(await closing).toEqual({ abandoned: [] });
  expect(await stream.done).toEqual({ status: 200, body: 'data: "first"\n\n', complete: true });
  // request.signal aborted the generator's wait; its finally ran, then the task.
  expect(events).toEqual(['wait ended: AbortError', 'generator finally', 'task']);
});

it('ends an open JSONLinesResponse the same way, closing its iterator', async () => {
  app = new App({ logger: false }).include(Streams);
  const { port } = await app.listen(0);
  const stream = open(port, '/lines-forever');
  expect(await stream.first).toBe('{"n":1}\n');
  const closing = app.close({ drainTimeoutMs: 30_000 });
  expect(await before(10_000, closing)).toBe('settled');
  expect(await stream.done).toEqual({ status: 200, body: '{"n":1}\n', complete: true });
  expect(events).toEqual(['iterator closed', 'task']);
});

it('ends a stream returned after the drain began at once, without starting its source', async () => {
  app = new App({ logger: false }).include(Streams);
  const { port } = await app.listen(0);
  const stream = open(port, '/late');
  await entered.opened;
  const closing = app.close({ drainTimeoutMs: 30_000 });
  // The handler was running when close() began: its answer still goes out.
  gate.open();
  expect(await before(10_000, closing)).toBe('settled');
  expect(await stream.done).toEqual({ status: 200, body: '', complete: true });
  expect(events).toEqual(['task']);
});

it("ends a mounted app's open streams when the parent's drain begins: they come through its server", async () => {
  app = new App({ logger: false }).mount('/child', new App({ logger: false }).include(Streams));
  const { port } = await app.listen(0);
  const stream = open(port, '/child/forever');
  expect(await stream.first).toBe('data: "first"\n\n');
  const closing = app.close({ drainTimeoutMs: 30_000 });
  expect(await before(10_000, closing)).toBe('settled');
  expect(await stream.done).toEqual({ status: 200, body: 'data: "first"\n\n', complete: true });
  expect(events).toEqual(['wait ended: AbortError', 'generator finally', 'task']);
});
