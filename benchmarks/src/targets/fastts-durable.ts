// POST /bg-durable for the fastts target: one durable named task per request,
// stored in a SQLite file (a fresh temporary folder per server). Two modes:
// `store` (target fastts-durable) only stores it, as an HTTP process with
// `work: false` does when worker processes run the tasks (none runs here: they
// stay queued in the file); `run` (target fastts-durable-run) also runs it in
// this process, TaskRuntime's default. Only those servers import this module
// (see fastts.ts): the other fastts servers load neither @fastts/tasks nor
// better-sqlite3, so their peak RSS is unchanged.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackgroundTasks, Controller, Get, Post, type App } from '@fastts/core';
import { defineTask, TaskRuntime } from '@fastts/tasks';
import { sqliteBackend } from '@fastts/tasks-sqlite';
import { DURABLE_TASK, recordTask } from '../shared/tasks.js';

/** The `POST /bg-durable` task: the same append as `POST /bg`'s, as a named task. */
export const recordDurable = defineTask(DURABLE_TASK, (kind: string) => recordTask(kind));

const folder = mkdtempSync(join(tmpdir(), 'fastts-bench-tasks-'));
process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
const work = process.env['BENCH_DURABLE_TASKS'] !== 'store';
const backend = sqliteBackend({ path: join(folder, 'tasks.db') });
const runtime = new TaskRuntime({
  backend,
  work,
  // A process that does not work never sees its tasks leave the queue (only the
  // workers' processes do), so the default bound (10,000 waiting) would refuse
  // every request past the 10,000th: room for the benchmark's runs.
  ...(work ? {} : { queues: { default: { maxQueued: 10_000_000 } } }),
});

@Controller()
class DurableController {
  @Post('/bg-durable')
  bgDurable(tasks: BackgroundTasks) {
    tasks.addTask(recordDurable, 'bg-durable');
    return { ok: true };
  }

  // For the correctness check (the task went through the SQLite store, not a
  // function in memory) and for the harness: the file, to work off what a
  // `store` server stored, and the tasks this process still follows.
  @Get('/bg-durable/stats')
  async stats() {
    return { backend: backend.kind, path: backend.path, waiting: runtime.queueStats()['default']?.waiting ?? 0, ...(await runtime.stats()) };
  }
}

/** Attaches the SQLite task runtime to `app` and adds the durable routes. */
export function includeDurable(app: App): void {
  runtime.attach(app).register(recordDurable);
  app.include(DurableController);
}
