import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Cron } from 'croner';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { App } from '@fastts/core';
import { defineTask, TaskRuntime, type TaskRuntimeOptions } from '@fastts/tasks';
import { sqliteBackend } from '@fastts/tasks-sqlite';
import { sleep, until } from '../../tasks/test/helpers.js';

const folder = mkdtempSync(join(tmpdir(), 'fastts-schedules-sqlite-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
let files = 0;
const freshPath = () => join(folder, `schedules-${++files}.db`);

const open: TaskRuntime[] = [];
afterEach(async () => {
  for (const runtime of open.splice(0)) await runtime.close();
});

/** A process on the file: an app and its runtime on a SQLite backend. */
function processOn(path: string, options: TaskRuntimeOptions & { slowReads?: boolean } = {}): TaskRuntime {
  const { slowReads, ...runtimeOptions } = options;
  const backend = sqliteBackend({ path, pollIntervalMs: 10 });
  if (slowReads) {
    // Processes in one event loop never interleave between a read and the write after it: a read
    // that takes a while lets two processes see the same due tick, as separate processes may.
    const store = backend.schedules;
    const get = store.get.bind(store);
    store.get = async (name) => {
      const row = await get(name);
      await sleep(20);
      return row;
    };
  }
  const runtime = new TaskRuntime({ backend, lagThresholdMs: false, offload: 'inline', ...runtimeOptions }).attach(new App({ logger: false }));
  open.push(runtime);
  return runtime;
}

/** The rows of `fastts_schedules` and `fastts_tasks`, read as another connection would. */
function inFile<T>(path: string, read: (db: Database.Database) => T): T {
  const db = new Database(path);
  try {
    return read(db);
  } finally {
    db.close();
  }
}

const yearly = '0 0 1 1 *';
const thisNewYear = () => new Cron(yearly, { timezone: 'UTC' }).previousRuns(1, new Date(Date.now() + 1))[0]!.getTime();
const tickId = (name: string, tick: number) => `schedule:${name}:${new Date(tick).toISOString()}`;

describe('schedules on SQLite', () => {
  it('keeps a schedule in the task file, beside the tasks', async () => {
    const path = freshPath();
    const app = new App({ logger: false });
    const report = defineTask('nightly-report', async (kind: string) => `report ${kind}`);
    const runtime = new TaskRuntime({ backend: sqliteBackend({ path }) }).attach(app);
    runtime.register(report);
    // Every process on the file may define it: each tick is enqueued once, by one of them.
    const nightly = runtime.schedule({ name: 'nightly-report', cron: '0 3 * * *', timezone: 'Europe/Paris' }, report, 'daily');
    nightly.next(); // the next 03:00 in Paris, a Date
    const [info] = await runtime.schedules(); // { name, cron, timezone, task, missed: 'skip', nextRun, lastRun }
    open.push(runtime);

    const next = new Cron('0 3 * * *', { timezone: 'Europe/Paris' }).nextRun()!;
    expect(nightly.next()).toEqual(next);
    expect(info).toEqual({ name: 'nightly-report', cron: '0 3 * * *', timezone: 'Europe/Paris', task: 'nightly-report', missed: 'skip', nextRun: next, lastRun: undefined });
    expect(inFile(path, (db) => db.prepare('SELECT name, cron, timezone, next_run, last_run FROM fastts_schedules').all())).toEqual([
      { name: 'nightly-report', cron: '0 3 * * *', timezone: 'Europe/Paris', next_run: next.getTime(), last_run: null },
    ]);
  });

  it('fires each tick once with two processes on the file, one of which only enqueues', async () => {
    const path = freshPath();
    const ran: string[] = [];
    const tick = defineTask('tick', () => void ran.push('tick'));
    const worker = processOn(path, { slowReads: true });
    const web = processOn(path, { work: false, slowReads: true });
    const submitted: string[] = [];
    for (const runtime of [worker, web]) {
      runtime.register(tick);
      const submit = runtime.submit.bind(runtime);
      // What each process hands to the backend: a tick enqueued twice would show here even though its id is refused.
      runtime.submit = (definition, prepared, handle, meta) => (submitted.push(handle.id), submit(definition, prepared, handle, meta));
    }
    const schedules = [worker.schedule('every-second', '* * * * * *', tick), web.schedule('every-second', '* * * * * *', tick)];

    const stored = () => inFile(path, (db) => db.prepare<[], { id: string; state: string }>("SELECT id, state FROM fastts_tasks WHERE name = 'tick' ORDER BY id").all());
    await until(() => stored().length >= 3, 8_000);
    for (const schedule of schedules) schedule.stop();
    await Promise.all([worker.schedules(), web.schedules()]);

    const rows = stored();
    expect(new Set(submitted).size).toBe(submitted.length);
    expect(rows.map((r) => r.id)).toEqual([...submitted].sort());
    // The worker runs what either process enqueued.
    await until(() => stored().every((r) => r.state === 'succeeded'), 5_000);
    expect(ran).toHaveLength(rows.length);
  });

  it('keeps the stored next run across a restart, and recomputes it when the cron changed, keeping the last run', async () => {
    const path = freshPath();
    const newYear = defineTask('new-year', () => undefined);
    const first = processOn(path);
    first.schedule({ name: 'new-year', cron: yearly, timezone: 'UTC' }, newYear);
    expect((await first.schedules())[0]!.nextRun).toEqual(new Cron(yearly, { timezone: 'UTC' }).nextRun());
    // Another process moved it on, far ahead: a restart must find that, not recompute it.
    const far = Date.UTC(2100, 0, 1);
    const pattern = { cron: yearly, timezone: 'UTC' };
    const stored = (await first.backend.schedules!.get('new-year'))!;
    expect(await first.backend.schedules!.advance('new-year', pattern, stored.nextRun!, far, thisNewYear())).toBe(true);
    expect(await first.backend.schedules!.advance('new-year', pattern, stored.nextRun!, far, thisNewYear())).toBe(false);
    await first.close();

    const second = processOn(path);
    const again = second.schedule({ name: 'new-year', cron: yearly, timezone: 'UTC' }, newYear);
    expect(await second.schedules()).toMatchObject([{ nextRun: new Date(far), lastRun: new Date(thisNewYear()) }]);
    expect(again.next()).toEqual(new Date(far));
    await second.close();

    const third = processOn(path);
    third.schedule({ name: 'new-year', cron: '0 0 1 7 *', timezone: 'UTC' }, newYear);
    expect(await third.schedules()).toMatchObject([{ cron: '0 0 1 7 *', nextRun: new Cron('0 0 1 7 *', { timezone: 'UTC' }).nextRun()!, lastRun: new Date(thisNewYear()) }]);
  });

  it("skips ticks missed while every process was down, and fires the latest with missed: 'once'", async () => {
    const path = freshPath();
    const newYear = defineTask('new-year', () => undefined);
    const first = processOn(path);
    first.schedule({ name: 'new-year', cron: yearly, timezone: 'UTC' }, newYear);
    await first.schedules();
    await first.close();
    // The file as processes down since 2020 leave it.
    const downSince2020 = () => inFile(path, (db) => db.prepare('UPDATE fastts_schedules SET next_run = ?').run(Date.UTC(2020, 0, 1)));
    const fired = () => inFile(path, (db) => db.prepare<[], { id: string }>("SELECT id FROM fastts_tasks WHERE name = 'new-year'").all().map((r) => r.id));
    downSince2020();

    const skipping = processOn(path);
    skipping.schedule({ name: 'new-year', cron: yearly, timezone: 'UTC' }, newYear);
    expect(await skipping.schedules()).toMatchObject([{ lastRun: undefined, nextRun: new Cron(yearly, { timezone: 'UTC' }).nextRun()! }]);
    expect(fired()).toEqual([]);
    await skipping.close();
    downSince2020();

    const catchingUp = processOn(path);
    catchingUp.schedule({ name: 'new-year', cron: yearly, timezone: 'UTC', missed: 'once' }, newYear);
    expect(await catchingUp.schedules()).toMatchObject([{ lastRun: new Date(thisNewYear()) }]);
    // Enqueued with the backend's next batched write.
    await until(() => fired().length > 0);
    expect(fired()).toEqual([tickId('new-year', thisNewYear())]);
  });
});
