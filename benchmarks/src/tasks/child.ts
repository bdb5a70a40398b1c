// One process of a throughput run, driven by the parent (throughput.ts) over
// IPC. `--produce`: enqueues the tasks it is told to; `--work`: runs tasks and
// reports how many succeeded. A process with both is the one-process layout.
import { parseArgs } from 'node:util';
import { App } from '@fastts/core';
import { MemoryBackend, TaskRuntime } from '@fastts/tasks';
import { BullMQBackend } from '@fastts/tasks-bullmq';
import { sqliteBackend } from '@fastts/tasks-sqlite';
import { deliver, taskArgs } from './task.js';

/** What the parent sends. */
export type ToChild = { type: 'go'; from: number; count: number } | { type: 'cpu' } | { type: 'exit' };
/** What a child sends. */
export type FromChild =
  | { type: 'ready' }
  | { type: 'enqueued'; startedAt: number; endedAt: number }
  | { type: 'progress'; succeeded: number; lastAt: number }
  | { type: 'cpu'; micros: number };

const { values } = parseArgs({
  options: {
    backend: { type: 'string' },
    path: { type: 'string' },
    produce: { type: 'boolean' },
    work: { type: 'boolean' },
    concurrency: { type: 'string' },
    'redis-port': { type: 'string' },
  },
});
// Epoch milliseconds with a fraction, comparable between the processes of a run.
const now = () => performance.timeOrigin + performance.now();
const send = (message: FromChild) => process.send!(message);

const backend =
  values.backend === 'sqlite'
    ? sqliteBackend({ path: values.path! })
    : values.backend === 'bullmq'
      ? new BullMQBackend({ connection: { host: '127.0.0.1', port: Number(values['redis-port']) } })
      : new MemoryBackend();
const runtime = new TaskRuntime({
  backend,
  work: values.work ?? false,
  // A run enqueues all its tasks at once: the default bound (10,000 waiting)
  // would refuse most of them. A producer that does not work never sees its
  // tasks leave the queue (other processes run them), so it needs the room too.
  queues: { default: { maxQueued: 1_000_000, ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}) } },
}).attach(new App());
runtime.register(deliver);

// Completion is the stored `succeeded` state, as this process's backend reports it.
let succeeded = 0;
let lastAt = 0;
let reported = 0;
if (values.work) {
  backend.watch((record) => {
    if (record.state !== 'succeeded') return;
    succeeded++;
    lastAt = now();
  });
  setInterval(() => {
    if (succeeded === reported) return;
    reported = succeeded;
    send({ type: 'progress', succeeded, lastAt });
  }, 10);
}

process.on('message', (message: ToChild) => {
  if (message.type === 'go') {
    const startedAt = now();
    for (let i = message.from; i < message.from + message.count; i++) runtime.enqueue(deliver, ...taskArgs(i));
    send({ type: 'enqueued', startedAt, endedAt: now() });
  } else if (message.type === 'cpu') {
    const usage = process.cpuUsage();
    send({ type: 'cpu', micros: usage.user + usage.system });
  } else {
    void runtime.close().finally(() => process.exit(0));
  }
});
send({ type: 'ready' });
