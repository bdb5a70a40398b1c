import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { App, BackgroundTasks, Controller, Post } from '@fastts/core';
import { LiveTestClient, type SSEEvent, type TestStream } from '@fastts/testing';
import { currentTask, defineTask, MemoryBackend, TaskRuntime, TasksController, type TaskBackend } from '@fastts/tasks';
import { sqliteBackend } from '@fastts/tasks-sqlite';
import { until as waitUntil } from './helpers.js';

// GET /tasks/{id}/events over a real socket: a task's states and progress
// as server-sent events, on the memory backend and on a SQLite file, with
// Last-Event-ID resuming where the client left off, and for a task another
// runtime runs.

const folder = mkdtempSync(join(tmpdir(), 'fastts-task-events-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
let files = 0;
const freshPath = () => join(folder, `tasks-${++files}.db`);
const until = (probe: () => boolean | Promise<boolean>) => waitUntil(probe, 5_000);

/** A gate a task waits on, opened by the test. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}
let first = gate();
let second = gate();

// Holds the queue (concurrency 1) until the first gate opens, so the task after it is seen queued.
const blocker = defineTask('blocker', async () => {
  await first.opened;
});
const report = defineTask('report', async (pages: number) => {
  const task = currentTask()!;
  task.progress(30);
  await second.opened;
  task.progress(60);
  return { pages };
});

const toClose: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  first.open();
  second.open();
  for (const close of toClose.splice(0).reverse()) await close();
  first = gate();
  second = gate();
});

/** An app whose POST /run adds the blocker then the report, and answers the report's id. */
async function start(backend: TaskBackend, options: { work?: boolean; blocker?: boolean } = {}) {
  @Controller()
  class Run {
    @Post('/run')
    run(tasks: BackgroundTasks) {
      if (options.blocker !== false) tasks.addTask(blocker);
      return { id: tasks.addTask(report, 3).id };
    }
  }
  const app = new App({ logger: false }).include(Run);
  const runtime = new TaskRuntime({ backend, offload: 'inline', lagThresholdMs: false, work: options.work, queues: { default: { concurrency: 1 } } }).attach(app);
  runtime.register(blocker, report);
  app.include(new TasksController(runtime, { eventsPollIntervalMs: 20 }));
  const client = await LiveTestClient.start(app, { waitForTasks: false });
  toClose.push(() => client.close());
  const id: string = (await client.post('/run')).json().id;
  return { client, runtime, id };
}

interface Seen {
  event: string;
  n: number;
  state: string;
  progress: number | undefined;
}

function seen(ev: SSEEvent): Seen {
  const data = JSON.parse(ev.data!);
  return { event: ev.event, n: Number(ev.id!.split(':')[0]), state: data.state, progress: data.progress };
}

/** Reads events until `stop` says so or the stream ends, calling `each` on every one. */
async function read(stream: TestStream, each: (ev: Seen) => void = () => undefined, stop: (ev: Seen) => boolean = () => false): Promise<{ events: Seen[]; lastId: string | undefined }> {
  const events: Seen[] = [];
  let lastId: string | undefined;
  for await (const ev of stream.sse()) {
    lastId = ev.id;
    const one = seen(ev);
    events.push(one);
    each(one);
    if (stop(one)) break;
  }
  return { events, lastId };
}

const backends: [string, () => TaskBackend][] = [
  ['memory', () => new MemoryBackend()],
  ['sqlite', () => sqliteBackend({ path: freshPath(), pollIntervalMs: 10 })],
];

describe.each(backends)('GET /tasks/{task_id}/events on the %s backend', (_, backend) => {
  it('streams the task from queued to succeeded with its progress, ids going up, then ends', async () => {
    const { client, runtime, id } = await start(backend());
    await until(async () => (await runtime.get(id))?.state === 'queued');
    const stream = await client.stream('GET', `/tasks/${id}/events`);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const { events } = await read(stream, (ev) => {
      if (ev.state === 'queued') first.open();
      if (ev.progress === 30) second.open();
    });
    expect(events.map(({ event, state, progress }) => ({ event, state, progress }))).toEqual([
      { event: 'state', state: 'queued', progress: undefined },
      { event: 'state', state: 'running', progress: undefined },
      { event: 'progress', state: 'running', progress: 30 },
      { event: 'progress', state: 'running', progress: 60 },
      { event: 'state', state: 'succeeded', progress: 60 },
    ]);
    expect(events.map((ev) => ev.n)).toEqual([1, 2, 3, 4, 5]);
  });

  it('resumes after Last-Event-ID from the current snapshot without repeating what the client had, and answers 204 once it has the end', async () => {
    const { client, runtime, id } = await start(backend());
    const before = await client.stream('GET', `/tasks/${id}/events`);
    const { events: seenFirst, lastId } = await read(before, undefined, () => true);
    await before.close();
    expect(seenFirst).toEqual([{ event: 'state', n: 1, state: 'queued', progress: undefined }]);

    // While the client is away the task starts and reports progress.
    first.open();
    await until(async () => (await runtime.get(id))?.progress === 30);
    const again = await client.stream('GET', `/tasks/${id}/events`, { headers: { 'last-event-id': lastId! } });
    const resumed = await read(again, (ev) => ev.progress === 30 && second.open());
    expect(resumed.events.map(({ event, n, state, progress }) => ({ event, n, state, progress }))).toEqual([
      { event: 'state', n: 2, state: 'running', progress: 30 },
      { event: 'progress', n: 3, state: 'running', progress: 60 },
      { event: 'state', n: 4, state: 'succeeded', progress: 60 },
    ]);

    // The client has the final snapshot: 204 tells an EventSource to stop reconnecting.
    const after = await client.stream('GET', `/tasks/${id}/events`, { headers: { 'last-event-id': resumed.lastId! } });
    expect(after.status).toBe(204);
    // A client with an older id gets the final snapshot once.
    const late = await client.stream('GET', `/tasks/${id}/events`, { headers: { 'last-event-id': lastId! } });
    expect((await read(late)).events).toEqual([{ event: 'state', n: 2, state: 'succeeded', progress: 60 }]);
  });

  it('answers 404 in FastAPI\'s shape for an unknown id', async () => {
    const { client } = await start(backend(), { blocker: false });
    const res = await client.get('/tasks/nope/events');
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ detail: 'task nope not found' });
  });
});

describe('GET /tasks/{task_id}/events for a task another runtime runs', () => {
  it('streams to completion from an API runtime that does not work (work: false), on the same SQLite file', async () => {
    const path = freshPath();
    const { client, id } = await start(sqliteBackend({ path, pollIntervalMs: 10 }), { work: false, blocker: false });
    const workerApp = new App({ logger: false });
    const worker = new TaskRuntime({ backend: sqliteBackend({ path, pollIntervalMs: 10 }), offload: 'inline', lagThresholdMs: false }).attach(workerApp);
    worker.register(blocker, report);
    toClose.push(() => workerApp.close({ drainTimeoutMs: 1_000 }));

    const stream = await client.stream('GET', `/tasks/${id}/events`);
    const { events } = await read(stream, (ev) => ev.progress === 30 && second.open());
    // Read every 20 ms from the file: a change the worker makes between two reads may be missed, never the end.
    expect(events.some((ev) => ev.state === 'running' && ev.progress === 30)).toBe(true);
    expect(events.at(-1)).toMatchObject({ event: 'state', state: 'succeeded', progress: 60 });
    const ids = events.map((ev) => ev.n);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
  });
});
