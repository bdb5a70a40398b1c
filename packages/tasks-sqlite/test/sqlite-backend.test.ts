import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { App, BackgroundTasks, Controller, Post } from '@fastts/core';
import { defineTask, TaskRuntime, type TaskBackend } from '@fastts/tasks';
import { sqliteBackend, type SqliteBackendOptions } from '@fastts/tasks-sqlite';
import { backendSuite, enqueueOptions } from '../../tasks/test/backend-suite.js';
import { sleep, until as waitUntil } from '../../tasks/test/helpers.js';

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

  it('ends dead, not run again, a task whose process died on its last attempt', async () => {
    const path = freshPath();
    const dying = backend({ path, leaseMs: 60 });
    dying.work('q', () => new Promise(() => {}), { concurrency: 1 });
    await dying.enqueue('t', [], enqueueOptions('last', { maxAttempts: 1 }));
    await until(async () => (await dying.get('last'))?.state === 'running');
    const crashed = join(folder, `crashed-${++files}.db`);
    const reader = new Database(path, { readonly: true });
    reader.exec(`VACUUM INTO '${crashed}'`);
    reader.close();
    await sleep(80);
    const next = backend({ path: crashed });
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
    expect(await second.get('cut')).toMatchObject({ state: 'queued', attempts: 1 });
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
