import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { otherCpuPercent, snapshotCpu, waitForQuiet } from '../harness/interference.js';
import { spawnPinned } from '../harness/processes.js';
import { BUSY_PERCENT } from '../harness/report.js';
import type { FromChild, ToChild } from './child.js';
import { startRedis } from './redis.js';

// The compiled files, found from the package root, so that the sources (in the test) and dist agree.
const childFile = fileURLToPath(new URL('../../dist/tasks/child.js', import.meta.url));
const plainBullmqFile = fileURLToPath(new URL('../../dist/tasks/plain-bullmq.js', import.meta.url));

/** How tasks are enqueued and run in one measured layout. */
export interface Layout {
  id: string;
  title: string;
  /** `plain-bullmq`: BullMQ's own Queue and Worker, without fastts (the ceiling of the `bullmq` layouts). */
  backend: 'memory' | 'sqlite' | 'bullmq' | 'plain-bullmq';
  /** Worker processes besides the producer; 0: one process enqueues and runs. */
  workers: number;
}

export const layouts: Layout[] = [
  { id: 'memory', title: 'one process enqueues and runs', backend: 'memory', workers: 0 },
  { id: 'sqlite', title: 'one process enqueues and runs', backend: 'sqlite', workers: 0 },
  { id: 'sqlite-1w', title: 'a producer process and 1 worker process', backend: 'sqlite', workers: 1 },
  { id: 'sqlite-2w', title: 'a producer process and 2 worker processes', backend: 'sqlite', workers: 2 },
];

/** `npm run tasks-redis`: the BullMQ backend and plain BullMQ, beside memory and SQLite in the same rounds. */
export const redisLayouts: Layout[] = [
  layouts[0]!,
  layouts[2]!,
  layouts[3]!,
  { id: 'bullmq-1w', title: 'a producer process and 1 worker process', backend: 'bullmq', workers: 1 },
  { id: 'bullmq-2w', title: 'a producer process and 2 worker processes', backend: 'bullmq', workers: 2 },
  { id: 'plain-1w', title: 'plain BullMQ: a Queue process and 1 Worker process', backend: 'plain-bullmq', workers: 1 },
  { id: 'plain-2w', title: 'plain BullMQ: a Queue process and 2 Worker processes', backend: 'plain-bullmq', workers: 2 },
];

export interface RunOptions {
  tasks: number;
  warmup: number;
  /** Queue concurrency of each worker; undefined: the runtime's default. */
  concurrency: number | undefined;
  /** Longest a run may take before it is given up. */
  timeoutMs: number;
  /** How long to wait, at most, for other processes to calm down before the measured part. Default 10 s. */
  quietMs?: number;
  /** Where each run's SQLite file goes (in a fresh folder). Default: the OS's temporary folder. */
  dir?: string;
  /** A folder for a .cpuprofile of every process (`node --cpu-prof`); those runs' numbers are not comparable. */
  cpuProfDir?: string;
}

/** One measured run of a layout. */
export interface ThroughputRun {
  round: number;
  layout: string;
  tasks?: number;
  /** First enqueue to the last task stored as succeeded. */
  seconds?: number;
  tasksPerSecond?: number;
  /** How long the producer took to enqueue them all. */
  enqueueSeconds?: number;
  /** CPU time of the processes that ran tasks (all of them, summed), and of a separate producer. */
  workerCpuSeconds?: number;
  producerCpuSeconds?: number;
  /** CPU time of redis-server during the measured part (BullMQ layouts). */
  redisCpuSeconds?: number;
  /** Tasks each worker process ran. */
  perWorker?: number[];
  /** CPU that other processes on the machine used during the measured part, in % of one core. */
  otherCpuPercent?: number;
  error?: string;
}

/** A child process of the run, and what it reported last. */
class Child {
  readonly process: ChildProcess;
  succeeded = 0;
  lastAt = 0;
  #output = '';
  #waiting = new Map<FromChild['type'], (message: FromChild) => void>();

  constructor(file: string, args: string[], nodeArgs: string[]) {
    this.process = spawnPinned(undefined, process.execPath, [...nodeArgs, file, ...args], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'error' },
    });
    const keep = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString('utf8')).slice(-4096);
    };
    this.process.stdout!.on('data', keep);
    this.process.stderr!.on('data', keep);
    this.process.on('message', (message: FromChild) => {
      if (message.type === 'progress') {
        this.succeeded = message.succeeded;
        this.lastAt = message.lastAt;
      }
      const waiter = this.#waiting.get(message.type);
      this.#waiting.delete(message.type);
      waiter?.(message);
    });
  }

  get output(): string {
    return this.#output;
  }

  send(message: ToChild): void {
    this.process.send(message);
  }

  /** The next message of `type`; rejects when the process exits first. */
  next<T extends FromChild['type']>(type: T): Promise<Extract<FromChild, { type: T }>> {
    return new Promise((resolve, reject) => {
      const exited = () => reject(new Error(`a ${type} message was awaited, but the child exited (${this.process.exitCode ?? this.process.signalCode})\n${this.#output}`));
      this.process.once('exit', exited);
      this.#waiting.set(type, (message) => {
        this.process.off('exit', exited);
        resolve(message as Extract<FromChild, { type: T }>);
      });
    });
  }

  async cpuSeconds(): Promise<number> {
    const reply = this.next('cpu');
    this.send({ type: 'cpu' });
    return (await reply).micros / 1e6;
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = once(this.process, 'exit');
    this.send({ type: 'exit' });
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

async function start(file: string, args: string[], nodeArgs: string[]): Promise<Child> {
  const child = new Child(file, args, nodeArgs);
  await child.next('ready');
  return child;
}

/**
 * Runs `layout` once, on a fresh store: `warmup` tasks first (not measured,
 * so the JIT has compiled the path), then `tasks` enqueued at once by the
 * producer while the workers run them. Measured from the first enqueue to the
 * last task stored as succeeded.
 */
export async function runLayout(layout: Layout, round: number, options: RunOptions): Promise<ThroughputRun> {
  const run: ThroughputRun = { round, layout: layout.id };
  const folder = mkdtempSync(join(options.dir ?? tmpdir(), 'fastts-bench-throughput-'));
  const children: Child[] = [];
  // A fresh Redis per run, as a fresh SQLite file: no jobs of an earlier run in it.
  const redis = layout.backend === 'bullmq' || layout.backend === 'plain-bullmq' ? await startRedis() : undefined;
  const file = layout.backend === 'plain-bullmq' ? plainBullmqFile : childFile;
  try {
    const store = ['--backend', layout.backend, '--path', join(folder, 'tasks.db'), ...(redis ? ['--redis-port', String(redis.port)] : [])];
    const concurrency = options.concurrency === undefined ? [] : ['--concurrency', String(options.concurrency)];
    const profile = (role: string) =>
      options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`, `--cpu-prof-name=tasks-${layout.id}-${role}-round${round}.cpuprofile`] : [];
    // The producer starts first: it creates the file's schema before the workers open it.
    const producer = await start(file, [...store, '--produce', ...(layout.workers === 0 ? ['--work', ...concurrency] : [])], profile(layout.workers === 0 ? 'process' : 'producer'));
    children.push(producer);
    for (let i = 1; i <= layout.workers; i++) children.push(await start(file, [...store, '--work', ...concurrency], profile(`worker${i}`)));
    const workers = layout.workers === 0 ? [producer] : children.slice(1);
    const succeeded = () => workers.reduce((n, w) => n + w.succeeded, 0);

    const deadline = Date.now() + options.timeoutMs;
    const batch = async (from: number, count: number) => {
      const enqueued = producer.next('enqueued');
      producer.send({ type: 'go', from, count });
      const times = await enqueued;
      while (succeeded() < from + count) {
        if (Date.now() > deadline) throw new Error(`${succeeded() - from} of ${count} tasks succeeded within ${options.timeoutMs / 1000} s`);
        for (const child of children) if (child.process.exitCode !== null) throw new Error(`a process exited during the run\n${child.output}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return times;
    };
    if (options.warmup > 0) await batch(0, options.warmup);

    // Other processes (tests, builds) come in bursts: let one pass before measuring, as the bench harness does.
    if (options.quietMs !== 0) await waitForQuiet(BUSY_PERCENT, options.quietMs ?? 10_000);
    const cpuBefore = await Promise.all(children.map((c) => c.cpuSeconds()));
    const before = workers.map((w) => w.succeeded);
    const machineBefore = snapshotCpu();
    const redisBefore = redis?.cpuSeconds();
    const measuredFrom = performance.now();
    const { startedAt, endedAt } = await batch(options.warmup, options.tasks);
    const ours = [process.pid, ...children.map((c) => c.process.pid!), ...(redis ? [redis.pid] : [])];
    run.otherCpuPercent = otherCpuPercent(machineBefore, snapshotCpu(), ours, (performance.now() - measuredFrom) / 1000);
    if (redis) run.redisCpuSeconds = redis.cpuSeconds() - redisBefore!;
    const cpuAfter = await Promise.all(children.map((c) => c.cpuSeconds()));
    const cpu = cpuAfter.map((after, i) => after - cpuBefore[i]!);
    const lastAt = Math.max(...workers.map((w) => w.lastAt));

    run.tasks = options.tasks;
    run.seconds = (lastAt - startedAt) / 1000;
    run.tasksPerSecond = options.tasks / run.seconds;
    run.enqueueSeconds = (endedAt - startedAt) / 1000;
    run.workerCpuSeconds = layout.workers === 0 ? cpu[0] : cpu.slice(1).reduce((a, b) => a + b, 0);
    if (layout.workers > 0) run.producerCpuSeconds = cpu[0];
    run.perWorker = workers.map((w, i) => w.succeeded - before[i]!);
  } catch (err) {
    run.error = (err as Error).message;
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await redis?.stop();
    rmSync(folder, { recursive: true, force: true });
  }
  return run;
}
