// One target of the offload benchmark, run in its own process by run.mjs:
// a fastts app with a trivial GET /ping, and (unless MODE=idle) CPU tasks of
// TASK_MS each kept running back to back, on worker threads (MODE=offload) or
// on the event loop (MODE=inline). Prints {"port"} when ready, and
// {"completed"} (tasks finished) when it gets "stop" on stdin.
import { App, Controller, Get } from '@fastts/core';
import { defineTask, TaskRuntime } from '@fastts/tasks';
import { burn } from './cpu.mjs';

const mode = process.env.MODE ?? 'idle';
const taskMs = Number(process.env.TASK_MS ?? 200);
const threads = Number(process.env.THREADS ?? 0) || undefined;

// Decorators applied by hand: this file is plain JavaScript, run without a build step of its own.
class Ping {
  ping() {
    return { pong: true };
  }
}
Get('/ping')(Ping.prototype, 'ping', Object.getOwnPropertyDescriptor(Ping.prototype, 'ping'));
Controller()(Ping);

const app = new App({ logger: false }).include(Ping);
const runtime = new TaskRuntime({
  offload: mode === 'inline' ? 'inline' : { maxThreads: threads },
  lagThresholdMs: false,
}).attach(app);
const parallel = mode === 'inline' ? 1 : (threads ?? Math.max(1, (await import('node:os')).availableParallelism() - 1));
const burnTask = defineTask('burn', burn, { offload: { module: new URL('./cpu.mjs', import.meta.url) }, queue: 'cpu' });
runtime.register(burnTask);

let completed = 0;
let stopping = false;
function keepBusy() {
  if (stopping) return;
  runtime.enqueue(burnTask, taskMs).done.then((record) => {
    if (record.state === 'succeeded') completed++;
    keepBusy();
  });
}
if (mode !== 'idle') for (let i = 0; i < parallel; i++) keepBusy();

const { port } = await app.listen(0);
process.stdout.write(`${JSON.stringify({ port, mode, taskMs, parallel })}\n`);

process.stdin.on('data', async () => {
  stopping = true;
  process.stdout.write(`${JSON.stringify({ completed })}\n`);
  await app.close({ drainTimeoutMs: 0 });
  await runtime.close();
  process.exit(0);
});
