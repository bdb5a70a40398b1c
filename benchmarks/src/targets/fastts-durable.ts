// POST /bg-durable for the fastts target: one durable named task per request,
// stored in a SQLite file (a fresh temporary folder per server) and run by this
// process, as TaskRuntime does by default. Only the server started as target
// `fastts-durable` imports this module (see fastts.ts): the other fastts servers
// load neither @fastts/tasks nor better-sqlite3, so their peak RSS is unchanged.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackgroundTasks, Controller, Get, Post, type App } from '@fastts/core';
import { defineTask, TaskRuntime } from '@fastts/tasks';
import { sqliteBackend } from '@fastts/tasks-sqlite';
import { recordTask } from '../shared/tasks.js';

/** The `POST /bg-durable` task: the same append as `POST /bg`'s, as a named task. */
export const recordDurable = defineTask('bench-record', (kind: string) => recordTask(kind));

const folder = mkdtempSync(join(tmpdir(), 'fastts-bench-tasks-'));
process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
const runtime = new TaskRuntime({ backend: sqliteBackend({ path: join(folder, 'tasks.db') }) });

@Controller()
class DurableController {
  @Post('/bg-durable')
  bgDurable(tasks: BackgroundTasks) {
    tasks.addTask(recordDurable, 'bg-durable');
    return { ok: true };
  }

  // For the correctness check: the task went through the SQLite store, not a function in memory.
  @Get('/bg-durable/stats')
  async stats() {
    return { backend: runtime.backend.kind, ...(await runtime.stats()) };
  }
}

/** Attaches the SQLite task runtime to `app` and adds the durable routes. */
export function includeDurable(app: App): void {
  runtime.attach(app).register(recordDurable);
  app.include(DurableController);
}
