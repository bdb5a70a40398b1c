import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { App, BackgroundTasks, Controller, HTTPException, Path, Post, StreamingResponse } from '@fastts/core';
import { currentTask, defineTask, TaskRuntime, type TaskBackend } from '@fastts/tasks';
import { sqliteBackend, type SqliteBackendOptions } from '@fastts/tasks-sqlite';
import { backendSuite, enqueueOptions } from '../../tasks/test/backend-suite.js';
import { memoryLogger, sleep, until as waitUntil } from '../../tasks/test/helpers.js';

const folder = mkdtempSync(join(tmpdir(), 'fastts-tasks-sqlite-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

let files = 0;
const freshPath = () => join(folder, `tasks-${++files}.db`);

// A store on disk may take longer than the helpers' default wait.
const until = (probe: () => boolean | Promise<boolean>) => waitUntil(probe, 3_000);

backendSuite('sqlite', ({ random }) => sqliteBackend({ path: freshPath(), pollIntervalMs: 10, random }));

/** What `openStore` raised, and how long it took: every failure at open must be quick. */
function openError(options: SqliteBackendOptions): { error: unknown; ms: number } {
  const started = Date.now();
  try {
    sqliteBackend(options).close();
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error(`opening ${options.path} did not fail`);
}

describe('sqliteBackend: durability', () => {
  const open: TaskBackend[] = [];
  const backend = (options: SqliteBackendOptions) => {
    const made = sqliteBackend({ pollIntervalMs: 10, ...options });
    open.push(made);
    return made;
  };
  afterEach(async () => {
    for (const made of open.splice(0)) await made.close();
  });

  it('keeps queued and finished tasks across closing and reopening the file', async () => {
    const path = freshPath();
    const first = backend({ path });
    first.work('q', async ({ record }) => `done ${record.args[0]}`, { concurrency: 1 });
    await first.enqueue('t', ['early'], enqueueOptions('early'));
    await until(async () => (await first.get('early'))?.state === 'succeeded');
    await first.close();
    // No worker in this process: the task waits in the file.
    const second = backend({ path });
    await second.enqueue('t', ['later'], enqueueOptions('later', { priority: 3 }));
    await second.close();

    const third = backend({ path });
    expect(await third.get('early')).toMatchObject({ state: 'succeeded', result: 'done early', attempts: 1 });
    expect(await third.get('later')).toMatchObject({ state: 'queued', priority: 3, args: ['later'] });
    third.work('q', async ({ record }) => `done ${record.args[0]}`, { concurrency: 1 });
    await until(async () => (await third.get('later'))?.state === 'succeeded');
    expect(await third.stats()).toMatchObject({ succeeded: 2, queued: 0 });
  });

  it('runs again, its attempt counted, a task left running by a process that died', async () => {
    const path = freshPath();
    const dying = backend({ path, leaseMs: 60 });
    dying.work('q', () => new Promise(() => {}), { concurrency: 1 });
    await dying.enqueue('t', ['x'], enqueueOptions('orphan', { maxAttempts: 3 }));
    await until(async () => (await dying.get('orphan'))?.state === 'running');
    // The file as a process killed now leaves it: a consistent copy taken while the task runs
    // (closing `dying` instead would hand the task back, as a graceful shutdown does).
    const crashed = join(folder, `crashed-${++files}.db`);
    const reader = new Database(path, { readonly: true });
    reader.exec(`VACUUM INTO '${crashed}'`);
    reader.close();
    await sleep(80); // past the lease

    const next = backend({ path: crashed });
    const attempts: number[] = [];
    next.work('q', async ({ record }) => void attempts.push(record.attempts), { concurrency: 1 });
    await until(async () => (await next.get('orphan'))?.state === 'succeeded');
    const record = (await next.get('orphan'))!;
    expect(attempts).toEqual([2]);
    expect(record.attempts).toBe(2);
    expect(record.history.map((a) => [a.attempt, a.error?.name])).toEqual([[1, 'TaskLeaseExpired'], [2, undefined]]);
  });

  /** The file as a process killed while `id` runs leaves it (a consistent copy taken then), once the lease is past. */
  async function killedWhileRunning(path: string, id: string, options: Partial<SqliteBackendOptions> = {}): Promise<string> {
    const dying = backend({ path, leaseMs: 60, ...options });
    dying.work('q', () => new Promise(() => {}), { concurrency: 1 });
    await until(async () => (await dying.get(id))?.state === 'running');
    const crashed = join(folder, `crashed-${++files}.db`);
    const reader = new Database(path, { readonly: true });
    reader.exec(`VACUUM INTO '${crashed}'`);
    reader.close();
    await sleep(80);
    return crashed;
  }

  it('runs once more a task whose process died on its last attempt (a death is not a failure), and fails it at the second death', async () => {
    const path = freshPath();
    const seed = backend({ path });
    await seed.enqueue('t', [], enqueueOptions('last', { maxAttempts: 1 }));
    await seed.close();
    const once = await killedWhileRunning(path, 'last');
    const twice = await killedWhileRunning(once, 'last');
    const next = backend({ path: twice });
    let ran = false;
    next.work('q', async () => void (ran = true), { concurrency: 1 });
    await sleep(50);
    expect(ran).toBe(false);
    const record = (await next.get('last'))!;
    expect(record).toMatchObject({ state: 'failed', attempts: 2, error: { name: 'TaskLeaseExpired' } });
    expect(record.history.map((a) => a.error?.name)).toEqual(['TaskLeaseExpired', 'TaskLeaseExpired']);
  });

  it('with maxStalls: 0, ends a task whose process died on its last attempt at once', async () => {
    const path = freshPath();
    const seed = backend({ path });
    await seed.enqueue('t', [], enqueueOptions('last', { maxAttempts: 1 }));
    await seed.close();
    const crashed = await killedWhileRunning(path, 'last');
    const next = backend({ path: crashed, maxStalls: 0 });
    let ran = false;
    next.work('q', async () => void (ran = true), { concurrency: 1 });
    await sleep(50);
    expect(ran).toBe(false);
    expect(await next.get('last')).toMatchObject({ state: 'failed', attempts: 1, error: { name: 'TaskLeaseExpired' } });
  });

  it('renews the lease of a task that runs longer than it', async () => {
    const path = freshPath();
    const owner = backend({ path, leaseMs: 300 });
    let runs = 0;
    owner.work('q', async () => {
      runs++;
      await sleep(900); // three leases
    }, { concurrency: 1 });
    // Another process on the same file, polling for expired leases.
    const other = backend({ path, leaseMs: 300 });
    other.work('q', async () => void runs++, { concurrency: 1 });
    await owner.enqueue('t', [], enqueueOptions('long'));
    await until(async () => (await owner.get('long'))?.state === 'succeeded');
    expect(runs).toBe(1);
  });

  it('never takes back a task this process still runs, even when its renewal is late', async () => {
    const path = freshPath();
    const owner = backend({ path });
    let runs = 0;
    let finish = () => {};
    owner.work('q', () => {
      runs++;
      return new Promise<void>((resolve) => (finish = resolve));
    }, { concurrency: 2 });
    await owner.enqueue('t', [], enqueueOptions('late', { maxAttempts: 2 }));
    await until(async () => (await owner.get('late'))?.state === 'running');
    // As if the event loop had been blocked past the lease: the file says it ran out.
    const writer = new Database(path);
    writer.prepare("UPDATE fastts_tasks SET locked_until = 0 WHERE id = 'late'").run();
    writer.close();
    await sleep(60); // several polls
    expect(runs).toBe(1);
    finish();
    await until(async () => (await owner.get('late'))?.state === 'succeeded');
    expect(await owner.get('late')).toMatchObject({ attempts: 1 });
  });

  it('reports a store error in its polling loop to onError and keeps polling, instead of crashing the process', async () => {
    const path = freshPath();
    const errors: unknown[] = [];
    const polling = backend({ path, busyTimeoutMs: 20, onError: (error) => errors.push(error) });
    polling.work('q', async () => 'ran', { concurrency: 1 });
    const holder = new Database(path);
    holder.exec('BEGIN EXCLUSIVE');
    await sleep(80);
    holder.exec('ROLLBACK');
    holder.close();
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatchObject({ code: 'SQLITE_BUSY' });
    await polling.enqueue('t', [], enqueueOptions('after'));
    await until(async () => (await polling.get('after'))?.state === 'succeeded');
  });

  it('stores a task enqueued while it drains, for the next process', async () => {
    const path = freshPath();
    const first = backend({ path });
    first.work('q', () => sleep(60), { concurrency: 1 });
    await first.enqueue('t', [], enqueueOptions('running'));
    await until(async () => (await first.get('running'))?.state === 'running');
    const closing = first.close({ drainTimeoutMs: 2_000 });
    expect(await first.enqueue('t', ['late'], enqueueOptions('during'))).toMatchObject({ state: 'queued' });
    await closing;
    const second = backend({ path });
    expect(await second.get('running')).toMatchObject({ state: 'succeeded' });
    expect(await second.get('during')).toMatchObject({ state: 'queued', attempts: 0, args: ['late'] });
  });

  it('hands a task still running at the drain deadline back to the file, for the next process', async () => {
    const path = freshPath();
    const first = backend({ path });
    first.work('q', ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), { concurrency: 1 });
    await first.enqueue('t', [], enqueueOptions('cut', { maxAttempts: 2 }));
    await until(async () => (await first.get('cut'))?.state === 'running');
    await first.close({ drainTimeoutMs: 20 });
    const second = backend({ path });
    // The process chose to stop it: not counted as an attempt, kept in the history.
    const record = (await second.get('cut'))!;
    expect(record).toMatchObject({ state: 'queued', attempts: 0 });
    expect(record.history.map((a) => a.error?.name)).toEqual(['TaskCancelledError']);
  });
});

describe('sqliteBackend: a bad file fails at open, with a code, never a hang', () => {
  it('a file that is not a SQLite database', () => {
    const path = freshPath();
    writeFileSync(path, 'this is not a database\n'.repeat(200));
    const { error, ms } = openError({ path, busyTimeoutMs: 200 });
    expect(error).toMatchObject({ code: 'FASTTS_ERR_TASK_STORE_CORRUPT', message: expect.stringContaining(path) });
    expect(ms).toBeLessThan(2_000);
  });

  it('a database another connection holds locked past the busy timeout', () => {
    const path = freshPath();
    sqliteBackend({ path }).close();
    const holder = new Database(path);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const { error, ms } = openError({ path, busyTimeoutMs: 150 });
      expect(error).toMatchObject({ code: 'FASTTS_ERR_TASK_STORE_LOCKED', message: expect.stringContaining('150 ms') });
      expect(ms).toBeGreaterThanOrEqual(100);
      expect(ms).toBeLessThan(2_000);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });

  it('a read-only file', () => {
    const path = freshPath();
    sqliteBackend({ path }).close();
    // Root ignores file modes; an immutable file is read-only even for root.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) execFileSync('chattr', ['+i', path]);
    else chmodSync(path, 0o444);
    try {
      const { error, ms } = openError({ path, busyTimeoutMs: 200 });
      expect(error).toMatchObject({ code: 'FASTTS_ERR_TASK_STORE_READ_ONLY' });
      expect(ms).toBeLessThan(2_000);
    } finally {
      if (asRoot) execFileSync('chattr', ['-i', path]);
      else chmodSync(path, 0o644);
    }
  });

  it('a path whose folder does not exist', () => {
    const { error } = openError({ path: join(folder, 'missing', 'tasks.db') });
    expect(error).toMatchObject({ code: 'FASTTS_ERR_TASK_STORE_OPEN' });
  });
});

describe('sqliteBackend under a TaskRuntime', () => {
  it('runs a task added by a request over a real socket, and records it succeeded in the file', async () => {
    const path = freshPath();
    const sendWelcome = defineTask('send-welcome', async (email: string) => `welcomed ${email}`);
    @Controller()
    class Signup {
      @Post('/signup')
      signup(tasks: BackgroundTasks) {
        const handle = tasks.addTask(sendWelcome, 'ada@example.com');
        return { task_id: handle.id };
      }
    }
    const app = new App({ logger: false }).include(Signup);
    const backend = sqliteBackend({ path, pollIntervalMs: 10 });
    const runtime = new TaskRuntime({ backend, offload: 'inline' }).attach(app);
    // At boot, so that a fresh process knows what to run for the tasks stored before it started.
    runtime.register(sendWelcome);
    const { port } = await app.listen(0);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/signup`, { method: 'POST' });
      expect(res.status).toBe(200);
      const { task_id: id } = (await res.json()) as { task_id: string };
      // Read from the file itself, through another connection.
      const reader = new Database(path, { readonly: true });
      try {
        const row = () => reader.prepare<[string], { state: string; result: string; attempts: number }>('SELECT state, result, attempts FROM fastts_tasks WHERE id = ?').get(id);
        await until(() => row()?.state === 'succeeded');
        expect(row()).toEqual({ state: 'succeeded', result: JSON.stringify('welcomed ada@example.com'), attempts: 1 });
      } finally {
        reader.close();
      }
    } finally {
      await app.close({ drainTimeoutMs: 1_000 });
    }
  });
});

describe('sqliteBackend: the delivery guarantee of a request', () => {
  /** Reads the file through another connection, as a process that replaced this one would. */
  function reader(path: string) {
    const db = new Database(path, { readonly: true });
    const row = (id: string) => db.prepare<[string], { state: string; owner: string | null; attempts: number }>('SELECT state, owner, attempts FROM fastts_tasks WHERE id = ?').get(id);
    const count = () => db.prepare<[], { n: number }>('SELECT count(*) AS n FROM fastts_tasks').get()!.n;
    return { row, count, close: () => db.close() };
  }

  function server(path: string, options: { leaseMs?: number; logger?: ReturnType<typeof memoryLogger> } = {}) {
    const ran: string[] = [];
    let seenBeforeFirstByte: unknown;
    const note = defineTask('note', async (text: string) => void ran.push(text));
    const slow = defineTask('slow', async (ms: number) => {
      await sleep(ms);
      ran.push(`slow ${ms}`);
    });
    const stuck = defineTask('stuck', () => new Promise((_, reject) => currentTask()!.signal.addEventListener('abort', () => reject(currentTask()?.signal.reason))), { maxAttempts: 3 });
    @Controller()
    class Routes {
      @Post('/note')
      add(tasks: BackgroundTasks) {
        const handle = tasks.addTask(note, 'from a request');
        // The body is produced after the handler returned, before its first byte is written.
        const check = reader(path);
        async function* body() {
          seenBeforeFirstByte = check.row(handle.id);
          check.close();
          yield JSON.stringify({ task_id: handle.id });
        }
        return new StreamingResponse(body(), { mediaType: 'application/json' });
      }

      @Post('/fails')
      fails(tasks: BackgroundTasks) {
        tasks.addTask(note, 'never');
        throw new HTTPException(400, 'no');
      }

      @Post('/slow/{ms}')
      addSlow(@Path('ms') ms: number, tasks: BackgroundTasks) {
        return { task_id: tasks.addTask(slow, ms).id };
      }

      @Post('/stuck')
      addStuck(tasks: BackgroundTasks) {
        return { task_id: tasks.addTask(stuck).id };
      }
    }
    const app = new App({ logger: options.logger ?? false }).include(Routes);
    const runtime = new TaskRuntime({ backend: sqliteBackend({ path, pollIntervalMs: 10, leaseMs: options.leaseMs }), offload: 'inline', lagThresholdMs: false }).attach(app);
    runtime.register(note, slow, stuck);
    return { app, runtime, ran, seenBeforeFirstByte: () => seenBeforeFirstByte };
  }

  it("writes a request's task to the file before the response's first byte, runnable only once the response is written", async () => {
    const path = freshPath();
    const { app, ran, seenBeforeFirstByte } = server(path);
    const { port } = await app.listen(0, '127.0.0.1');
    try {
      const res = await fetch(`http://127.0.0.1:${port}/note`, { method: 'POST' });
      const { task_id: id } = (await res.json()) as { task_id: string };
      // Stored, and owned by the request's process: no claim may take it before the response is out.
      expect(seenBeforeFirstByte()).toMatchObject({ state: 'queued', attempts: 0 });
      expect((seenBeforeFirstByte() as { owner: string | null }).owner).not.toBeNull();
      await until(() => ran.length === 1);
      const check = reader(path);
      expect(check.row(id)).toMatchObject({ state: 'succeeded', owner: null, attempts: 1 });
      check.close();
    } finally {
      await app.close({ drainTimeoutMs: 1_000 });
    }
  });

  it('leaves nothing in the file for a request whose handler failed', async () => {
    const path = freshPath();
    const { app, ran } = server(path);
    const { port } = await app.listen(0, '127.0.0.1');
    try {
      expect((await fetch(`http://127.0.0.1:${port}/fails`, { method: 'POST' })).status).toBe(400);
      await sleep(50);
      const check = reader(path);
      expect(check.count()).toBe(0);
      check.close();
      expect(ran).toEqual([]);
    } finally {
      await app.close({ drainTimeoutMs: 1_000 });
    }
  });

  it('answers 500 when the task cannot be stored (the file locked past the busy timeout), and the task never runs', async () => {
    const path = freshPath();
    const ran: string[] = [];
    const note = defineTask('note', async (text: string) => void ran.push(text));
    @Controller()
    class Routes {
      @Post('/note')
      add(tasks: BackgroundTasks) {
        return { task_id: tasks.addTask(note, 'locked out').id };
      }
    }
    const app = new App({ logger: false }).include(Routes);
    const runtime = new TaskRuntime({ backend: sqliteBackend({ path, pollIntervalMs: 10, busyTimeoutMs: 20, onError: () => undefined }), offload: 'inline' }).attach(app);
    runtime.register(note);
    const { port } = await app.listen(0, '127.0.0.1');
    const locker = new Database(path);
    try {
      locker.exec('BEGIN IMMEDIATE');
      const res = await fetch(`http://127.0.0.1:${port}/note`, { method: 'POST' });
      expect(res.status).toBe(500);
      locker.exec('COMMIT');
      await sleep(50);
      expect(ran).toEqual([]);
      expect(locker.prepare('SELECT count(*) AS n FROM fastts_tasks').get()).toEqual({ n: 0 });
    } finally {
      locker.close();
      await app.close({ drainTimeoutMs: 1_000 });
    }
  });

  it('runs, once its lease is out, a task a process stored for a response and died before committing', async () => {
    const path = freshPath();
    // As a process killed between writing the task and writing the response leaves it.
    const dead = sqliteBackend({ path });
    await dead.close();
    const db = new Database(path);
    db.prepare(
      `INSERT INTO fastts_tasks (id, name, queue, args, state, priority, max_attempts, backoff, run_at, created_at, owner, locked_until)
       VALUES ('orphan', 'note', 'default', '["left by a dead process"]', 'queued', 0, 1, '{"type":"fixed","delayMs":1,"maxDelayMs":1,"jitter":false}', ?, ?, 'dead-process', ?)`,
    ).run(Date.now(), Date.now(), Date.now() + 100);
    db.close();
    const { app, ran } = server(path);
    try {
      await until(() => ran.length === 1);
      expect(ran).toEqual(['left by a dead process']);
    } finally {
      await app.close({ drainTimeoutMs: 1_000 });
    }
  });

  it('at close: a running task gets the drain deadline, queued ones stay in the file unclaimed and are not called abandoned', async () => {
    const path = freshPath();
    const logger = memoryLogger();
    const { app, runtime, ran } = server(path, { logger });
    const { port } = await app.listen(0, '127.0.0.1');
    const post = async (route: string) => ((await (await fetch(`http://127.0.0.1:${port}${route}`, { method: 'POST' })).json()) as { task_id: string }).task_id;
    const running = await post('/slow/300');
    await until(async () => (await runtime.get(running))?.state === 'running');
    const closing = app.close({ drainTimeoutMs: 5_000 });
    // Added by another process while this one drains: this one must not take it.
    const other = sqliteBackend({ path });
    await other.enqueue('note', ['for the next process'], { id: 'queued-later', queue: 'default', priority: 0, maxAttempts: 1, backoff: { type: 'fixed', delayMs: 1, maxDelayMs: 1, jitter: false } });
    await other.close();
    const { abandoned } = await closing;
    expect(abandoned).toEqual([]);
    expect(ran).toEqual(['slow 300']);
    const check = reader(path);
    expect(check.row(running)).toMatchObject({ state: 'succeeded' });
    expect(check.row('queued-later')).toMatchObject({ state: 'queued', attempts: 0, owner: null });
    check.close();
  });

  it('at the drain deadline, hands a running task back to the file (its attempt not counted, not abandoned), and the next process runs it', async () => {
    const path = freshPath();
    const logger = memoryLogger();
    const { app, runtime } = server(path, { logger });
    const { port } = await app.listen(0, '127.0.0.1');
    const id = ((await (await fetch(`http://127.0.0.1:${port}/stuck`, { method: 'POST' })).json()) as { task_id: string }).task_id;
    await until(async () => (await runtime.get(id))?.state === 'running');
    const { abandoned } = await app.close({ drainTimeoutMs: 100 });
    expect(abandoned).toEqual([]);
    expect(logger.entries.find((e) => e.msg === 'task interrupted by shutdown; it runs again from the store')?.obj).toMatchObject({ task: 'stuck', taskId: id });
    const check = reader(path);
    expect(check.row(id)).toMatchObject({ state: 'queued', attempts: 0, owner: null });
    check.close();
    const next = server(path);
    try {
      await until(async () => (await next.runtime.get(id))?.attempts === 1);
    } finally {
      await next.app.close({ drainTimeoutMs: 50 });
    }
  });

  it('writes again, at a later poll, the end of an attempt whose write failed, and no other process runs it meanwhile', async () => {
    const path = freshPath();
    const errors: unknown[] = [];
    const backend = sqliteBackend({ path, pollIntervalMs: 10, busyTimeoutMs: 20, onError: (error) => errors.push(error) });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    backend.work('q', async () => {
      await held;
      return 'done';
    }, { concurrency: 1 });
    await backend.enqueue('t', [], enqueueOptions('blocked'));
    await until(async () => (await backend.get('blocked'))?.state === 'running');
    // Another connection holds the write lock when the task ends.
    const locker = new Database(path);
    locker.exec('BEGIN IMMEDIATE');
    release();
    await until(() => errors.length > 0);
    expect((await backend.get('blocked'))?.state).toBe('running');
    locker.exec('COMMIT');
    locker.close();
    await until(async () => (await backend.get('blocked'))?.state === 'succeeded');
    expect(await backend.get('blocked')).toMatchObject({ attempts: 1, result: 'done' });
    await backend.close();
  });
});

describe('sqliteBackend: retention', () => {
  /** Writes finished rows straight into the file: `finishedAgoMs` each, newest last. */
  function seed(path: string, state: string, finishedAgoMs: number[]) {
    const db = new Database(path);
    const insert = db.prepare(
      `INSERT INTO fastts_tasks (id, name, queue, args, state, priority, max_attempts, backoff, run_at, created_at, finished_at)
       VALUES (?, 't', 'q', '[]', ?, 0, 1, '{}', 0, 0, ?)`,
    );
    const now = Date.now();
    for (const [i, ago] of finishedAgoMs.entries()) insert.run(`${state}-${i}`, state, now - ago);
    db.close();
  }

  it('deletes succeeded and failed records past their count and age, keeps the newest, and keeps dead letters by default', async () => {
    const path = freshPath();
    sqliteBackend({ path }).close();
    seed(path, 'succeeded', [5_000, 4_000, 3_000, 2_000, 1_000]);
    seed(path, 'failed', [90_000, 10]);
    seed(path, 'cancelled', [90_000]);
    seed(path, 'dead', [10 * 365 * 24 * 3_600_000, 90_000]);
    seed(path, 'queued', [90_000]);
    const backend = sqliteBackend({ path, retention: { succeeded: { maxCount: 3 }, failed: { maxAgeMs: 60_000 } } });
    try {
      expect(await backend.purge()).toBe(4);
      const ids = (await backend.list({ limit: 100 })).map((r) => r.id).sort();
      expect(ids).toEqual(['dead-0', 'dead-1', 'failed-1', 'queued-0', 'succeeded-2', 'succeeded-3', 'succeeded-4']);
    } finally {
      await backend.close();
    }
  });

  it('purges a large backlog in short batches, answering requests in between', async () => {
    const path = freshPath();
    sqliteBackend({ path }).close();
    seed(path, 'succeeded', Array.from({ length: 20_000 }, (_, i) => 20_000 - i));
    const backend = sqliteBackend({ path, retention: { succeeded: { maxCount: 0 } } });
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    try {
      expect(await backend.purge()).toBe(20_000);
      // 40 batches of 500, each followed by a turn of the event loop.
      expect(turns).toBeGreaterThan(5);
      expect((await backend.stats()).succeeded).toBe(0);
    } finally {
      clearInterval(ticker);
      await backend.close();
    }
  });

  it('refuses a bad rule at open, with a code', () => {
    expect(() => sqliteBackend({ path: freshPath(), retention: { succeeded: { maxCount: -1 } } })).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_TASK_OPTION' }));
  });
});

describe('sqliteBackend: a process that only enqueues, and one that runs', () => {
  it("follows tasks another process runs: handles settle, and the queue's places are given back", async () => {
    const path = freshPath();
    const job = defineTask('job', async (n: number) => n * 2);
    // The web process: enqueues only, its queue bounded to 2 waiting tasks.
    const web = new TaskRuntime({ backend: sqliteBackend({ path, pollIntervalMs: 10 }), work: false, queues: { default: { maxQueued: 2 } } }).attach(new App({ logger: false }));
    web.register(job);
    const first = [web.enqueue(job, 1), web.enqueue(job, 2)];
    expect(() => web.enqueue(job, 3)).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_TASK_QUEUE_FULL' }));
    // The worker process.
    const worker = new TaskRuntime({ backend: sqliteBackend({ path, pollIntervalMs: 10 }), offload: 'inline' }).attach(new App({ logger: false }));
    worker.register(job);
    try {
      expect(await Promise.all(first.map((h) => h.result()))).toEqual([2, 4]);
      await until(() => web.queueStats()['default']?.waiting === 0);
      expect(await web.enqueue(job, 3).result()).toBe(6);
    } finally {
      await worker.close();
      await web.close();
    }
  });

  it('follows a handle nothing waits on by its state alone, and reads its final record once something does', async () => {
    const path = freshPath();
    const job = defineTask('job', async (n: number) => n * 2);
    const backend = sqliteBackend({ path, pollIntervalMs: 10 });
    const reads: string[] = [];
    const get = backend.get.bind(backend);
    backend.get = (id) => {
      reads.push(id);
      return get(id);
    };
    const web = new TaskRuntime({ backend, work: false, queues: { default: { maxQueued: 2 } } }).attach(new App({ logger: false }));
    web.register(job);
    const quiet = web.enqueue(job, 1);
    const awaited = web.enqueue(job, 2);
    const result = awaited.result();
    const worker = new TaskRuntime({ backend: sqliteBackend({ path, pollIntervalMs: 10 }), offload: 'inline' }).attach(new App({ logger: false }));
    worker.register(job);
    try {
      expect(await result).toBe(4);
      await until(() => quiet.status === 'succeeded');
      // The queue's places came back for both; only the awaited task's record was read.
      await until(() => web.queueStats()['default']?.waiting === 0);
      expect(reads).not.toContain(quiet.id);
      expect(quiet.record?.state).toBe('queued');
      // Waited on after it ended: its final record is read then.
      expect(await quiet.done).toMatchObject({ id: quiet.id, state: 'succeeded', result: 2 });
      expect(await quiet.result()).toBe(2);
      expect(reads).toContain(quiet.id);
    } finally {
      await worker.close();
      await web.close();
    }
  });

  it('starts no queue before attach: a stored task registered early waits for a host instead of failing', async () => {
    const path = freshPath();
    const seed = sqliteBackend({ path });
    await seed.enqueue('early', ['x'], { id: 'stored', queue: 'default', priority: 0, maxAttempts: 1, backoff: { type: 'fixed', delayMs: 1, maxDelayMs: 1, jitter: false } });
    await seed.close();
    const early = defineTask('early', async (s: string) => `ran ${s}`);
    const backend = sqliteBackend({ path, pollIntervalMs: 10 });
    const runtime = new TaskRuntime({ backend, offload: 'inline' }).register(early);
    await sleep(60);
    expect((await backend.get('stored'))?.state).toBe('queued');
    runtime.attach(new App({ logger: false }));
    try {
      await until(async () => (await backend.get('stored'))?.state === 'succeeded');
      expect((await backend.get('stored'))?.result).toBe('ran x');
      expect(runtime.works).toBe(true);
    } finally {
      await runtime.close();
    }
  });
});
