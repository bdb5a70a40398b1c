// The ceiling of the BullMQ layouts: BullMQ without fastts, driven by the
// parent over the same IPC messages as child.ts. `--produce`: `queue.add` per
// task (as the fastts backend adds one job per enqueue); `--work`: a `Worker`
// with the same concurrency running the same trivial work. Jobs are kept as
// the fastts backend keeps them (removeOnComplete: the newest 10,000, 7 days).
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import type { FromChild, ToChild } from './child.js';
import { taskArgs, type Message } from './task.js';

const { values } = parseArgs({
  options: {
    'redis-port': { type: 'string' },
    produce: { type: 'boolean' },
    work: { type: 'boolean' },
    concurrency: { type: 'string' },
    // Accepted for the same command line as child.ts; unused.
    backend: { type: 'string' },
    path: { type: 'string' },
  },
});
const now = () => performance.timeOrigin + performance.now();
const send = (message: FromChild) => process.send!(message);
const connection = { host: '127.0.0.1', port: Number(values['redis-port']) };
const QUEUE = 'default';
const keep = { age: 7 * 24 * 3600, count: 10_000 };

const queue = values.produce ? new Queue<{ a: [Message] }>(QUEUE, { connection }) : undefined;
let worker: Worker<{ a: [Message] }> | undefined;
let succeeded = 0;
let lastAt = 0;
let reported = 0;
if (values.work) {
  worker = new Worker<{ a: [Message] }>(
    QUEUE,
    async (job) => {
      if (job.data.a[0].body.length === 0) throw new Error('empty message');
    },
    { connection: { ...connection, maxRetriesPerRequest: null }, concurrency: Number(values.concurrency ?? 10) },
  );
  worker.on('completed', () => {
    succeeded++;
    lastAt = now();
  });
  await worker.waitUntilReady();
  setInterval(() => {
    if (succeeded === reported) return;
    reported = succeeded;
    send({ type: 'progress', succeeded, lastAt });
  }, 10);
}
if (queue) await queue.waitUntilReady();

process.on('message', (message: ToChild) => {
  if (message.type === 'go') {
    const startedAt = now();
    for (let i = message.from; i < message.from + message.count; i++) void queue!.add('bench-deliver', { a: taskArgs(i) }, { removeOnComplete: keep, removeOnFail: false, attempts: 1 });
    send({ type: 'enqueued', startedAt, endedAt: now() });
  } else if (message.type === 'cpu') {
    const usage = process.cpuUsage();
    send({ type: 'cpu', micros: usage.user + usage.system });
  } else {
    void Promise.all([worker?.close(), queue?.close()]).finally(() => process.exit(0));
  }
});
send({ type: 'ready' });
