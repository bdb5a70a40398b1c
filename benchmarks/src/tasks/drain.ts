// Works off the durable tasks a `fastts-durable` server (work: false) stored
// in its file, as its worker processes would: the bench harness runs it after
// each of that server's runs, so the tasks the server still follows (it polls
// their states) do not pile up over the rounds and load the other targets' runs.
// Usage: node dist/tasks/drain.js <file>
import { setTimeout as sleep } from 'node:timers/promises';
import { App } from '@fastts/core';
import { defineTask, TaskRuntime } from '@fastts/tasks';
import { sqliteBackend } from '@fastts/tasks-sqlite';
import { DURABLE_TASK } from '../shared/tasks.js';

const path = process.argv[2];
if (!path) throw new Error('usage: drain.js <file>');
// The server's task appends to its own list; here there is none, so the same name does nothing.
const runtime = new TaskRuntime({ backend: sqliteBackend({ path }), concurrency: 100 }).attach(new App());
runtime.register(defineTask(DURABLE_TASK, (_kind: string) => {}));
for (;;) {
  const stats = await runtime.stats();
  if (stats.queued + stats.running + stats.retrying === 0) break;
  await sleep(50);
}
await runtime.close();
process.exit(0);
