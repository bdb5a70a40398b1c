import { DelayedError, Queue, QueueEvents, QueueEventsProducer, UnrecoverableError, Worker, type JobsOptions, type MinimalJob } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import {
  backoffDelay,
  isRetryable,
  serialiseError,
  TaskCancelledError,
  TaskError,
  TaskSetupError,
  type ClaimedTask,
  type EnqueueOptions,
  type FollowedTask,
  type Json,
  type PeekedTask,
  type TaskBackend,
  type TaskFilter,
  type TaskRecord,
  type TaskState,
  type TaskWorker,
} from '@fastts/tasks';
import { baseOptions, blockingOptions, producerConnection, type RedisConnection } from './connection.js';
import { bullmqPriority, createdStamp, jobIdOf, taskIdOf, detachedRecord, jobData, ownResult, stateOf, toRecord, type FastTsJob, type JobData, type StoredAttempt } from './job-data.js';
import { StatePeek } from './peek.js';
import { RedisScheduleStore } from './schedules.js';
import { Tombstones } from './tombstones.js';
import { TaskBackendUnavailableError } from './unavailable.js';

/** Which finished jobs BullMQ keeps: the newest `maxCount`, none older than `maxAgeMs`; `false` keeps all. */
export interface KeepOptions {
  maxCount?: number;
  maxAgeMs?: number;
}

export interface BullMQRetention {
  /** BullMQ's `removeOnComplete`. Default: the newest 10,000, at most 7 days (fastts's default). */
  succeeded?: KeepOptions | false;
  /**
   * BullMQ's `removeOnFail`. BullMQ keeps failed and dead jobs in one set and trims it as a whole,
   * so a bound here may drop dead letters too. Default `false`: every failed and dead job is kept.
   */
  failed?: KeepOptions | false;
  /** Cancelled records (kept beside BullMQ, which has no such state). Default: the newest 10,000 per queue, at most 30 days. */
  cancelled?: { maxCount?: number; maxAgeMs?: number };
}

export interface BullMQBackendOptions {
  /** Where Redis is: `{ host, port }`, ioredis options, or an ioredis instance (its options are used; fastts opens and closes its own connections). */
  connection: RedisConnection;
  /** BullMQ's key prefix: every key of this backend starts with it. Default `'fastts'`. */
  prefix?: string;
  /** BullMQ's `lockDuration`: a running job's lock, renewed at half of it; a job whose lock ran out is stalled. Default 30 000. */
  lockDurationMs?: number;
  /** BullMQ's `stalledInterval`: how often each worker looks for stalled jobs. Default 30 000. */
  stalledIntervalMs?: number;
  /** BullMQ's `maxStalledCount`: how many times a job whose process died is run again before it fails. Default 1. */
  maxStalls?: number;
  /**
   * How long a task added in a handler waits, delayed, for its response to be
   * written (`commit`), renewed every third of it. A process that dies in
   * between leaves it to run once this runs out. Default 30 000.
   */
  stageLeaseMs?: number;
  /** How long a call waits for the first connection to Redis before failing with 503. Default 10 000. */
  connectTimeoutMs?: number;
  retention?: BullMQRetention;
  /** Called with an error met outside a call (a lost connection, a failed commit). Default: a process warning, once per message every 10 s. */
  onError?: (error: unknown) => void;
  /** Source of jitter, for tests. Default Math.random. */
  random?: () => number;
}

interface Running {
  readonly controller: AbortController;
  readonly job: FastTsJob;
  /** Set once the attempt is being ended from outside: cancelled (removed after it fails) or released (back to the queue). */
  ending?: 'cancelled' | 'released';
  /** Resolves when `ending` is set: the job is handed back to BullMQ without waiting for a task that ignores its signal. */
  readonly ended: Promise<void>;
  readonly end: (how: 'cancelled' | 'released', reason: unknown) => void;
  /** Resolves when the processor has handed the job back to BullMQ. */
  readonly done: Promise<void>;
}

const day = 24 * 3600 * 1000;
const allTypes = ['waiting', 'prioritized', 'waiting-children', 'delayed', 'active', 'completed', 'failed'] as const;
type BullType = (typeof allTypes)[number];
const typesOf: Record<TaskState, readonly BullType[]> = {
  queued: ['waiting', 'prioritized', 'waiting-children', 'delayed'],
  running: ['active'],
  succeeded: ['completed'],
  failed: ['failed'],
  dead: ['failed'],
  retrying: ['delayed'],
  cancelled: [],
};

/**
 * A durable backend on Redis through BullMQ 6: one BullMQ queue per fastts
 * queue, one job per task (job id = task id, job name = task name), so any
 * process on the same Redis (API servers, worker processes on other
 * machines) sees and runs the same tasks. Priorities, delays, attempts,
 * backoff, dedupe, locks and stalled-job recovery are BullMQ's; what BullMQ
 * has no field for (the attempt history, the fastts error) travels in the
 * job's data, and cancelled tasks are kept beside the queues.
 *
 * @example
 * ```ts
 * const runtime = new TaskRuntime({ backend: new BullMQBackend({ connection: { host: '127.0.0.1', port: 6379 } }) });
 * ```
 */
export class BullMQBackend implements TaskBackend {
  readonly kind = 'bullmq';
  readonly durable = true;
  readonly prefix: string;
  readonly #base: RedisOptions;
  readonly #client: Redis;
  readonly #tombstones: Tombstones;
  readonly #schedules: RedisScheduleStore;
  readonly #queues = new Map<string, Queue<JobData>>();
  /** Cancellations only, read where tasks run: a stream of their own, so workers do not parse every job's events. */
  readonly #cancels = new Map<string, QueueEvents>();
  readonly #producers = new Map<string, QueueEventsProducer>();
  readonly #workers = new Map<string, Worker<JobData>>();
  readonly #registered = new Set<string>();
  readonly #registering = new Map<string, Promise<void>>();
  readonly #running = new Map<string, Running>();
  /** Jobs cancelled while they ran here: removed once BullMQ has failed them. */
  readonly #removing = new Set<string>();
  readonly #staged = new Map<string, FastTsJob>();
  readonly #listeners = new Set<(record: TaskRecord) => void>();
  readonly #peek: StatePeek;
  readonly #renewal: NodeJS.Timeout;
  readonly #options: Required<Pick<BullMQBackendOptions, 'lockDurationMs' | 'stalledIntervalMs' | 'maxStalls' | 'stageLeaseMs' | 'connectTimeoutMs'>>;
  readonly #keepCompleted: JobsOptions['removeOnComplete'];
  readonly #keepFailed: JobsOptions['removeOnFail'];
  readonly #random: () => number;
  readonly #onError: (error: unknown) => void;
  #connected = false;
  #connecting: Promise<void> | undefined;
  #paused = false;
  /** Set once the drain deadline passed: the reason any attempt starting now is handed back with. */
  #drained: unknown;
  #closing: Promise<void> | undefined;
  #open = true;

  constructor(options: BullMQBackendOptions) {
    this.prefix = options.prefix ?? 'fastts';
    this.#options = {
      lockDurationMs: positive('lockDurationMs', options.lockDurationMs ?? 30_000),
      stalledIntervalMs: positive('stalledIntervalMs', options.stalledIntervalMs ?? 30_000),
      stageLeaseMs: positive('stageLeaseMs', options.stageLeaseMs ?? 30_000),
      connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs ?? 10_000),
      maxStalls: options.maxStalls ?? 1,
    };
    if (!Number.isInteger(this.#options.maxStalls) || this.#options.maxStalls < 0) throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', 'BullMQBackend', 'maxStalls', 'an integer >= 0', this.#options.maxStalls);
    const retention = options.retention ?? {};
    this.#keepCompleted = keep(retention.succeeded === undefined ? { maxCount: 10_000, maxAgeMs: 7 * day } : retention.succeeded);
    this.#keepFailed = keep(retention.failed ?? false);
    this.#random = options.random ?? Math.random;
    this.#onError = options.onError ?? warnThrottled();
    this.#base = baseOptions(options.connection);
    this.#client = producerConnection(this.#base);
    this.#client.on('error', (error) => this.#report(error));
    this.#client.on('ready', () => (this.#connected = true));
    this.#tombstones = new Tombstones(this.#client, this.prefix, { maxCount: retention.cancelled?.maxCount ?? 10_000, maxAgeMs: retention.cancelled?.maxAgeMs ?? 30 * day });
    this.#schedules = new RedisScheduleStore(this.#client, `${this.prefix}`);
    this.#peek = new StatePeek(this.#client, { queue: (name) => `${this.prefix}:${name}:`, cancelled: this.#tombstones.keyOf(''), retrying: (name) => this.#key('retrying', name), dead: (name) => this.#key('dead', name) }, (name) => this.#queue(name));
    this.#renewal = setInterval(() => this.#renewStaged(), Math.max(1, Math.floor(this.#options.stageLeaseMs / 3)));
    this.#renewal.unref();
  }

  /** Cron schedules in a Redis hash: every process on this Redis fires each tick once. */
  get schedules(): RedisScheduleStore {
    return this.#schedules;
  }

  enqueue(name: string, args: Json[], options: EnqueueOptions): Promise<TaskRecord> {
    return this.#add(name, args, options, false);
  }

  /**
   * Adds the job delayed by `stageLeaseMs` (renewed while the response is
   * written): stored before the response, runnable only at `commit`, which
   * promotes it. If this process dies first, the delay runs out and the task
   * runs (its response may have reached the client): at least once.
   */
  stage(name: string, args: Json[], options: EnqueueOptions): Promise<TaskRecord> {
    return this.#add(name, args, options, true);
  }

  commit(id: string): void {
    const job = this.#staged.get(id);
    if (!job) return;
    this.#staged.delete(id);
    void this.#release(job).catch((error: unknown) => this.#report(error));
  }

  unstage(id: string): void {
    const job = this.#staged.get(id);
    if (!job) return;
    this.#staged.delete(id);
    job.remove().catch((error: unknown) => this.#report(error));
  }

  pause(): void {
    this.#paused = true;
    for (const worker of this.#workers.values()) void worker.pause(true).catch((error: unknown) => this.#report(error));
  }

  async release(id: string, reason: unknown): Promise<boolean> {
    const running = this.#running.get(id);
    if (!running || running.ending) return false;
    running.end('released', reason);
    await running.done;
    return true;
  }

  work(queue: string, worker: TaskWorker, options: { concurrency: number }): void {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', `queue '${queue}'`, 'concurrency', 'an integer >= 1', options.concurrency);
    if (this.#workers.has(queue)) throw new TaskSetupError('FASTTS_ERR_TASK_QUEUE_HAS_WORKER', queue);
    if (this.#closing) return;
    this.#cancelsOf(queue);
    const bull = new Worker<JobData>(queue, (job, token) => this.#process(worker, job as FastTsJob, token), {
      connection: blockingOptions(this.#base),
      prefix: this.prefix,
      concurrency: options.concurrency,
      lockDuration: this.#options.lockDurationMs,
      stalledInterval: this.#options.stalledIntervalMs,
      maxStalledCount: this.#options.maxStalls,
      autorun: !this.#paused,
      // The delay of a retry was computed by fastts (its jitter and cap) and stored with the attempt.
      settings: { backoffStrategy: (_made: number, _type?: string, _err?: Error, job?: MinimalJob) => Math.max(0, ((job?.data as JobData | undefined)?.f.at ?? 0) - Date.now()) },
    });
    bull.on('error', (error) => this.#report(error));
    bull.on('completed', (job) => {
      job.returnvalue = ownResult(job.returnvalue);
      this.#emit(toRecord(job as FastTsJob, 'succeeded'));
    });
    bull.on('failed', (job) => job && this.#failed(job as FastTsJob));
    this.#workers.set(queue, bull);
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    return this.#reach(async () => {
      const [cancelled, found] = await Promise.all([this.#tombstones.get(id), this.#find(id)]);
      if (cancelled) return cancelled;
      return found && toRecord(found.job, stateOf(found.job, found.state));
    });
  }

  async list(filter: TaskFilter = {}): Promise<TaskRecord[]> {
    return this.#reach(async () => {
      const limit = filter.limit ?? 100;
      const states = new Set<TaskState>(filter.state === undefined ? ['queued', 'running', 'succeeded', 'failed', 'retrying', 'cancelled', 'dead'] : [filter.state].flat());
      const types = new Set<BullType>([...states].flatMap((state) => typesOf[state]));
      // A name filter is applied after reading: read every job of the types asked for.
      const end = filter.name !== undefined || !Number.isFinite(limit) ? -1 : limit - 1;
      const found: { record: TaskRecord; t: number }[] = [];
      for (const name of filter.queue === undefined ? await this.#allQueues() : [filter.queue]) {
        const queue = this.#queue(name);
        for (const type of types) {
          for (const job of (await queue.getJobs([type], 0, end, false)) as FastTsJob[]) {
            if (!job?.data?.f) continue;
            found.push({ record: toRecord(job, stateOf(job, type)), t: job.data.f.t });
          }
        }
        if (states.has('cancelled')) found.push(...(await this.#tombstones.list(name, filter.name === undefined ? limit : Infinity)));
      }
      return found
        .filter(({ record }) => states.has(record.state) && (filter.name === undefined || record.name === filter.name))
        .sort((a, b) => b.t - a.t)
        .slice(0, Number.isFinite(limit) ? limit : undefined)
        .map(({ record }) => record);
    });
  }

  async stats(filter: { queue?: string } = {}): Promise<Record<TaskState, number>> {
    return this.#reach(async () => {
      const counts: Record<TaskState, number> = { queued: 0, running: 0, succeeded: 0, failed: 0, retrying: 0, cancelled: 0, dead: 0 };
      for (const name of filter.queue === undefined ? await this.#allQueues() : [filter.queue]) {
        const [bull, dead, retrying, cancelled] = await Promise.all([
          this.#queue(name).getJobCounts(...allTypes),
          this.#client.scard(this.#key('dead', name)),
          this.#client.scard(this.#key('retrying', name)),
          this.#tombstones.count(name),
        ]);
        const n = (type: BullType) => bull[type] ?? 0;
        const delayedRetries = Math.min(retrying, n('delayed'));
        counts.queued += n('waiting') + n('prioritized') + n('waiting-children') + n('delayed') - delayedRetries;
        counts.retrying += delayedRetries;
        counts.running += n('active');
        counts.succeeded += n('completed');
        counts.dead += Math.min(dead, n('failed'));
        counts.failed += n('failed') - Math.min(dead, n('failed'));
        counts.cancelled += cancelled;
      }
      return counts;
    });
  }

  // Synchronous up to its first await for a task running here, as the other backends:
  // the core's shutdown aborts every tracked task in one loop.
  async cancel(id: string, reason: unknown = new TaskCancelledError()): Promise<boolean> {
    if (!this.#open) return false;
    const error = serialiseError(reason);
    const running = this.#running.get(id);
    if (running) {
      if (running.ending) return false;
      running.end('cancelled', reason);
      const record = toRecord(running.job, 'cancelled', { error, at: Date.now() });
      await this.#tombstones.put(record, running.job.data.f.t, running.job.data);
      this.#emit(record);
      return true;
    }
    const found = await this.#reach(() => this.#find(id));
    if (!found || found.state === 'completed' || found.state === 'failed') return false;
    const { job } = found;
    const record = toRecord(job, 'cancelled', { error, at: Date.now() });
    await this.#tombstones.put(record, job.data.f.t, job.data);
    let active = found.state === 'active';
    if (!active) {
      try {
        await job.remove();
      } catch {
        // Locked: a worker took it meanwhile.
        active = true;
      }
    }
    // Running in another process: BullMQ's event-based cancellation (a custom event on the queue's stream).
    if (active) await this.#producer(job.queueName).publishEvent({ eventName: 'fastts:cancel', taskId: id, reason: error.message });
    else await this.#client.srem(this.#key('retrying', job.queueName), id);
    this.#emit(record);
    return true;
  }

  async retry(id: string): Promise<boolean> {
    if (!this.#open) return false;
    return this.#reach(async () => {
      const cancelled = await this.#tombstones.entry(id);
      if (cancelled) {
        if (cancelled.record.duplicateOf !== undefined || !cancelled.data) return false;
        const { record, data } = cancelled;
        data.f.at = undefined;
        const job = (await this.#queue(record.queue).add(record.name, data, this.#jobOptions(record.id, record.name, data, 0))) as FastTsJob;
        await this.#tombstones.delete(record);
        this.#emit(toRecord(job, 'queued'));
        return true;
      }
      const found = await this.#find(id);
      if (!found || found.state !== 'failed') return false;
      await found.job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      await this.#client.srem(this.#key('dead', found.job.queueName), id);
      const again = (await this.#queue(found.job.queueName).getJob(jobIdOf(id))) as FastTsJob | undefined;
      if (again) this.#emit(toRecord(again, 'queued'));
      return true;
    });
  }

  /**
   * One script per queue (and 1,000 tasks): the state of each job where
   * BullMQ keeps it, and the job of each one changed since the state given.
   * Reading the queue's event stream instead cost a process that adds tasks
   * about a quarter of its CPU per task (benchmarks/results/tasks-redis.md).
   */
  async peek(followed: readonly FollowedTask[]): Promise<PeekedTask[]> {
    if (!this.#open || followed.length === 0) return [];
    return this.#reach(() => this.#peek.peek(followed));
  }

  watch(listener: (record: TaskRecord) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Stops claiming and waits up to `drainTimeoutMs` for running tasks; a task
   * still running then sees its signal abort and goes back to its queue.
   * Queued tasks stay in Redis for the next process. Closes every connection.
   */
  close(options: { drainTimeoutMs?: number } = {}): Promise<void> {
    return (this.#closing ??= this.#close(options.drainTimeoutMs ?? 0));
  }

  async #close(drainTimeoutMs: number): Promise<void> {
    clearInterval(this.#renewal);
    const workers = [...this.#workers.values()].map((worker) => worker.close().catch((error: unknown) => this.#report(error)));
    const deadline = Date.now() + drainTimeoutMs;
    while (this.#running.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    const reason = new TaskCancelledError('backend closed');
    // A job the worker fetched just before closing may start after this: it is handed back at once.
    this.#drained = reason;
    await Promise.all([...this.#running.keys()].map((id) => this.release(id, reason)));
    await bounded(Promise.all(workers), 5_000, () => {
      for (const worker of this.#workers.values()) void worker.close(true).catch(() => undefined);
    });
    // Tasks of responses still being written when the drain gave up: runnable by the next process.
    await Promise.all([...this.#staged.values()].map((job) => this.#release(job).catch(() => undefined)));
    this.#staged.clear();
    // A graceful close waits for Redis to answer; with Redis down it would wait forever, so it is bounded.
    const closables = [...this.#cancels.values(), ...this.#producers.values(), ...this.#queues.values()];
    await bounded(Promise.all(closables.map((closable) => closable.close().catch(() => undefined))), 2_000, () => {
      for (const closable of closables) void closable.disconnect().catch(() => undefined);
    });
    this.#open = false;
    await bounded(this.#client.quit().catch(() => undefined), 1_000, () => this.#client.disconnect());
  }

  async #add(name: string, args: Json[], options: EnqueueOptions, staged: boolean): Promise<TaskRecord> {
    if (!this.#open) return detachedRecord(name, args, options, { name: 'TaskCancelledError', message: 'backend closed' });
    return this.#reach(async () => {
      const queue = this.#queue(options.queue);
      await this.#register(options.queue);
      // A caller's id (a schedule's tick) is checked, the job's key and a cancelled record's in one command;
      // BullMQ would answer an id it holds with the job holding it, as if it were added.
      // A fresh id skips the round trip: in a burst of enqueues each command is a write to the socket.
      if (options.freshId !== true) {
        const taken = await this.#client.exists(`${this.prefix}:${options.queue}:${jobIdOf(options.id)}`, this.#tombstones.keyOf(options.id));
        if (taken > 0) throw new TaskSetupError('FASTTS_ERR_TASK_ID_TAKEN', options.id);
      }
      const data = jobData(args, options);
      const now = Date.now();
      const wait = options.runAt !== undefined && options.runAt > now ? options.runAt - now : 0;
      const job = (await queue.add(name, data, { ...this.#jobOptions(options.id, name, data, staged ? Math.max(wait, this.#options.stageLeaseMs) : wait), timestamp: now })) as FastTsJob;
      if (job.id !== jobIdOf(options.id)) {
        // BullMQ's deduplication answered with the job holding the key.
        const original = taskIdOf(job.id!);
        const record = detachedRecord(name, args, options, { name: 'Duplicate', message: `duplicate of task ${original}` }, original);
        await this.#tombstones.put(record, createdStamp());
        this.#emit(record);
        return record;
      }
      if (staged) this.#staged.set(options.id, job);
      const record = toRecord(job, 'queued');
      this.#emit(record);
      // The caller's record is not the watchers' (a fresh one has no history to copy); the
      // arguments in both are the ones the caller passed in.
      return { ...record, history: [] };
    });
  }

  #jobOptions(id: string, name: string, data: JobData, delay: number): JobsOptions {
    return {
      jobId: jobIdOf(id),
      priority: bullmqPriority(data.f.p),
      delay,
      attempts: data.f.m,
      backoff: { type: 'fastts' },
      ...(data.f.k !== undefined ? { deduplication: { id: JSON.stringify([name, data.f.k]) } } : {}),
      removeOnComplete: this.#keepCompleted,
      removeOnFail: this.#keepFailed,
    };
  }

  /** A committed (or orphaned at close) staged job: runnable now, or at its own `runAt`. */
  async #release(job: FastTsJob): Promise<void> {
    const at = job.data.f.at;
    try {
      if (at !== undefined && at > Date.now()) await job.changeDelay(at - Date.now());
      else await job.promote();
    } catch (error) {
      // Its lease ran out and it runs already, or it was cancelled: nothing to release.
      if (!/not in the delayed state|does not exist|Missing key/i.test(String((error as Error)?.message))) throw error;
    }
  }

  #renewStaged(): void {
    for (const job of this.#staged.values()) {
      const at = job.data.f.at ?? 0;
      job.changeDelay(Math.max(this.#options.stageLeaseMs, at - Date.now())).catch((error: unknown) => this.#report(error));
    }
  }

  async #process(worker: TaskWorker, job: FastTsJob, token: string | undefined): Promise<unknown> {
    const id = taskIdOf(job.id!);
    let finish!: () => void;
    let stop!: () => void;
    const controller = new AbortController();
    const running: Running = {
      controller,
      job,
      done: new Promise<void>((resolve) => (finish = resolve)),
      ended: new Promise<void>((resolve) => (stop = resolve)),
      end: (how, reason) => {
        running.ending = how;
        if (how === 'cancelled') this.#removing.add(id);
        controller.abort(reason);
        stop();
      },
    };
    this.#running.set(id, running);
    if (this.#drained !== undefined) running.end('released', this.#drained);
    try {
      return await this.#attempt(worker, job, token, running);
    } finally {
      this.#running.delete(id);
      finish();
    }
  }

  async #attempt(worker: TaskWorker, job: FastTsJob, token: string | undefined, running: Running): Promise<unknown> {
    const f = job.data.f;
    // The job's data is written back if the attempt fails: the records of the
    // attempt share one copy of the arguments, so a listener changing them
    // changes nothing stored.
    const args = structuredClone(job.data.a);
    if (f.h.at(-1)?.o === 'retrying') {
      // A retry that became runnable: reported when it is claimed.
      this.#emit(toRecord(job, 'queued', undefined, args));
      await this.#client.srem(this.#key('retrying', job.queueName), taskIdOf(job.id!));
    }
    const started = toRecord(job, 'running', undefined, args);
    this.#emit(started);
    const progress: Promise<unknown>[] = [];
    const claimed: ClaimedTask = {
      // The task's own arguments: changing them changes neither the record nor a later attempt.
      record: { ...started, args: structuredClone(job.data.a) },
      signal: running.controller.signal,
      progress: (value) => {
        if (this.#running.get(taskIdOf(job.id!)) !== running || running.ending) return;
        job.progress = value;
        progress.push(job.updateProgress(value).catch((error: unknown) => this.#report(error)));
        this.#emit(toRecord(job, 'running', undefined, args));
      },
    };
    let outcome: { ok: true; result: unknown } | { ok: false; error: unknown };
    let attempt$: Promise<unknown>;
    try {
      // Handed back before it began (the drain's deadline had passed): the task is not started.
      attempt$ = running.ending ? new Promise(() => undefined) : worker(claimed);
    } catch (error) {
      attempt$ = Promise.reject(error);
    }
    const settled = attempt$.then(
      (result): typeof outcome => ({ ok: true, result }),
      (error: unknown): typeof outcome => ({ ok: false, error }),
    );
    outcome = (await Promise.race([settled, running.ended])) ?? { ok: false, error: running.controller.signal.reason };
    await Promise.all(progress);
    if (running.ending === 'cancelled') throw new UnrecoverableError('cancelled');
    const now = Date.now();
    const attempt: StoredAttempt = { n: job.attemptsStarted, s: job.processedOn ?? now, e: now, o: 'queued' };
    if (running.ending === 'released') {
      attempt.err = serialiseError(running.controller.signal.reason);
      f.h.push(attempt);
      await job.updateData(job.data);
      // BullMQ's documented way to hand a job back from its processor: move it, then throw DelayedError.
      await job.moveToDelayed(now, token);
      this.#emit(toRecord(job, 'queued'));
      throw new DelayedError();
    }
    if (outcome.ok) return outcome.result;
    const retryable = isRetryable(outcome.error);
    attempt.err = serialiseError(outcome.error);
    attempt.o = !retryable || attempt.n >= f.m ? (f.m > 1 && retryable ? 'dead' : 'failed') : 'retrying';
    f.at = attempt.o === 'retrying' ? Math.ceil(now + backoffDelay(f.b, attempt.n, this.#random)) : undefined;
    f.h.push(attempt);
    const writes: Promise<unknown>[] = [job.updateData(job.data)];
    if (attempt.o === 'retrying' || attempt.o === 'dead') writes.push(this.#client.sadd(this.#key(attempt.o, job.queueName), taskIdOf(job.id!)));
    await Promise.all(writes);
    // fastts decided: BullMQ retries only what fastts would.
    if (attempt.o !== 'retrying') throw new UnrecoverableError(attempt.err.message);
    throw outcome.error instanceof Error ? outcome.error : new Error(attempt.err.message);
  }

  #failed(job: FastTsJob): void {
    if (this.#removing.delete(taskIdOf(job.id!))) {
      job.remove().catch((error: unknown) => this.#report(error));
      return;
    }
    if (!job.data?.f) return;
    const last = job.data.f.h.at(-1);
    this.#emit(toRecord(job, last?.o === 'retrying' ? 'retrying' : stateOf(job, 'failed')));
  }

  /** The job `id` in whichever queue holds it, with its BullMQ state. */
  async #find(id: string): Promise<{ job: FastTsJob; state: string } | undefined> {
    const queues = await this.#allQueues();
    const jobs = await Promise.all(queues.map((name) => this.#queue(name).getJob(jobIdOf(id)) as Promise<FastTsJob | undefined>));
    const job = jobs.find((candidate) => candidate?.data?.f !== undefined);
    if (!job) return undefined;
    const state = await job.getState();
    // The job was read before its state: one that finished in between is read
    // again, so its result and times agree with the state (a succeeded task
    // without its result was seen in CI).
    if ((state === 'completed' || state === 'failed') && job.finishedOn === undefined) {
      const again = (await this.#queue(job.queueName).getJob(job.id!)) as FastTsJob | undefined;
      if (again?.data?.f !== undefined) return { job: again, state };
    }
    return { job, state };
  }

  #queue(name: string): Queue<JobData> {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue<JobData>(name, { connection: this.#client, prefix: this.prefix });
      queue.on('error', (error) => this.#report(error));
      this.#queues.set(name, queue);
    }
    return queue;
  }

  /** Cancellations of tasks running in this process, published by any process (`cancel`). */
  #cancelsOf(name: string): void {
    if (this.#cancels.has(name) || this.#closing) return;
    const cancels = new QueueEvents(name, { connection: blockingOptions(this.#base), prefix: this.#cancelPrefix() });
    cancels.on('error', (error) => this.#report(error));
    (cancels as unknown as NodeJS.EventEmitter).on('fastts:cancel', ({ taskId, reason }: { taskId: string; reason: string }) => {
      const running = this.#running.get(taskId);
      if (!running || running.ending) return;
      running.end('cancelled', new TaskCancelledError(reason));
    });
    this.#cancels.set(name, cancels);
  }

  /** BullMQ's event-based cancellation on a stream of its own (`<prefix>:fastts:cancels:<queue>:events`), beside the queue's. */
  #cancelPrefix(): string {
    return `${this.prefix}:fastts:cancels`;
  }

  #producer(name: string): QueueEventsProducer {
    let producer = this.#producers.get(name);
    if (!producer) {
      producer = new QueueEventsProducer(name, { connection: this.#client, prefix: this.#cancelPrefix() });
      producer.on('error', (error: Error) => this.#report(error));
      this.#producers.set(name, producer);
    }
    return producer;
  }

  /** Every fastts queue on this Redis (those any process enqueued into). */
  async #allQueues(): Promise<string[]> {
    const stored = await this.#client.smembers(this.#key('queues'));
    return [...new Set([...stored, ...this.#queues.keys()])].sort();
  }

  /** Adds `queue` to the set of queues once: a burst of enqueues into a new queue sends one SADD, not one each. */
  #register(queue: string): Promise<void> {
    if (this.#registered.has(queue)) return Promise.resolve();
    let pending = this.#registering.get(queue);
    if (!pending) {
      pending = this.#client.sadd(this.#key('queues'), queue).then(
        () => {
          this.#registered.add(queue);
          this.#registering.delete(queue);
        },
        (error: unknown) => {
          this.#registering.delete(queue);
          throw error;
        },
      );
      this.#registering.set(queue, pending);
    }
    return pending;
  }

  #key(kind: string, queue?: string): string {
    return queue === undefined ? `${this.prefix}:fastts:${kind}` : `${this.prefix}:fastts:${kind}:${queue}`;
  }

  /**
   * Runs `call` against Redis: waits for the first connection (up to
   * `connectTimeoutMs`), and turns what Redis could not answer into a 503.
   */
  async #reach<T>(call: () => Promise<T>): Promise<T> {
    try {
      if (!this.#connected) await this.#firstConnection();
      return await call();
    } catch (error) {
      if (error instanceof TaskError || error instanceof TaskBackendUnavailableError || !this.#unreachable(error)) throw error;
      throw new TaskBackendUnavailableError(this.kind, error);
    }
  }

  /** An error of the connection, not of the call (BullMQ refusing an option is a bug to see as it is). */
  #unreachable(error: unknown): boolean {
    if (this.#client.status !== 'ready') return true;
    return /stream isn't writeable|connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|max retries|no connection|LOADING/i.test(String((error as Error)?.message ?? error));
  }

  /** One wait shared by every call made before the first connection (a burst at boot adds one listener, not one per call). */
  #firstConnection(): Promise<void> {
    if (this.#client.status === 'ready') {
      this.#connected = true;
      return Promise.resolve();
    }
    return (this.#connecting ??= this.#waitForReady().finally(() => (this.#connecting = undefined)));
  }

  async #waitForReady(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#client.off('ready', ready);
        reject(new Error(`no connection to Redis within ${this.#options.connectTimeoutMs} ms`));
      }, this.#options.connectTimeoutMs);
      const ready = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#client.once('ready', ready);
    });
  }

  #report(error: unknown): void {
    try {
      this.#onError(error);
    } catch {
      // The reporter's own failure must not stop the queue.
    }
  }

  // One record per change, shared by the listeners, as the memory backend shares one snapshot.
  // It is the backend's to give away: built fresh, and sharing only data the backend no longer
  // writes (a running attempt's records carry a copy of the arguments, see #attempt).
  #emit(record: TaskRecord): void {
    if (this.#listeners.size === 0) return;
    for (const listener of this.#listeners) {
      try {
        listener(record);
      } catch {
        // A listener's bug must not stop the queue.
      }
    }
  }
}

/** Waits for `work` up to `ms`; past it, calls `giveUp` and goes on. */
async function bounded(work: Promise<unknown>, ms: number, giveUp: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  const outcome = await Promise.race([work.then(() => 'done' as const), late]);
  clearTimeout(timer);
  if (outcome === 'late') giveUp();
}

function positive(option: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', 'BullMQBackend', option, 'a finite number > 0', value);
  return value;
}

function keep(options: KeepOptions | false): JobsOptions['removeOnComplete'] {
  if (options === false) return false;
  if (options.maxAgeMs !== undefined) return { age: Math.ceil(options.maxAgeMs / 1000), ...(options.maxCount !== undefined ? { count: options.maxCount } : {}) };
  return options.maxCount !== undefined ? { count: options.maxCount } : false;
}

/** The default reporter: an outage repeats one error at every reconnect; say it once per 10 s. */
function warnThrottled(): (error: unknown) => void {
  const last = new Map<string, number>();
  return (error) => {
    const message = error instanceof Error ? error.message : String(error);
    const now = Date.now();
    if ((last.get(message) ?? 0) > now - 10_000) return;
    last.set(message, now);
    process.emitWarning(error instanceof Error ? error : message, 'FastTsTaskBackendWarning');
  };
}
