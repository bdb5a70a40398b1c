import type { Json } from './args.js';
import { backoffDelay } from './backoff.js';
import { isFinished, type ClaimedTask, type EnqueueOptions, type TaskBackend, type TaskErrorInfo, type TaskFilter, type TaskRecord, type TaskState, type TaskWorker } from './backend.js';
import { isRetryable, TaskCancelledError, TaskSetupError } from './errors.js';
import { ReadyQueue } from './ready-queue.js';
import { serialiseError } from './records.js';
import { frozenCopy, snapshot, TaskRegistry, type MutableRecord } from './registry.js';

export interface MemoryBackendOptions {
  /** Records kept; the oldest finished ones are forgotten past this. Default 10 000. */
  maxRecords?: number;
  /** Source of jitter, for tests. Default Math.random. */
  random?: () => number;
}

interface QueueState {
  readonly name: string;
  readonly ready: ReadyQueue<MutableRecord>;
  worker?: TaskWorker;
  concurrency: number;
  active: number;
  scheduled: boolean;
}

/**
 * The in-process backend: nothing survives a restart (FastAPI's
 * BackgroundTasks do not either), everything else the interface promises.
 */
export class MemoryBackend implements TaskBackend {
  readonly kind = 'memory';
  readonly durable = false;
  readonly #registry: TaskRegistry;
  readonly #random: () => number;
  readonly #queues = new Map<string, QueueState>();
  readonly #running = new Map<string, { controller: AbortController; queue: QueueState }>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #dedupe = new Map<string, string>();
  readonly #listeners = new Set<(record: TaskRecord) => void>();
  // Keyed by record, so options go when the registry forgets the record.
  readonly #options = new WeakMap<MutableRecord, EnqueueOptions>();
  #closed = false;

  constructor(options: MemoryBackendOptions = {}) {
    this.#registry = new TaskRegistry(options.maxRecords);
    this.#random = options.random ?? Math.random;
  }

  async enqueue(name: string, args: Json[], options: EnqueueOptions): Promise<TaskRecord> {
    if (this.#registry.has(options.id)) throw new TaskSetupError('FASTTS_ERR_TASK_ID_TAKEN', options.id);
    const record: MutableRecord = {
      id: options.id,
      name,
      queue: options.queue,
      args: frozenCopy(args),
      state: 'queued',
      priority: options.priority,
      attempts: 0,
      maxAttempts: options.maxAttempts,
      createdAt: new Date(),
      history: [],
      requestId: options.requestId,
      route: options.route,
    };
    const key = options.dedupeKey === undefined ? undefined : `${name}\u0000${options.dedupeKey}`;
    const original = key === undefined ? undefined : this.#dedupe.get(key);
    if (original !== undefined) {
      record.state = 'cancelled';
      record.duplicateOf = original;
      record.finishedAt = record.createdAt;
      record.error = { name: 'Duplicate', message: `duplicate of task ${original}` };
      this.#registry.add(record);
      this.#emit(record);
      return snapshot(record);
    }
    if (this.#closed) {
      record.state = 'cancelled';
      record.finishedAt = record.createdAt;
      record.error = { name: 'TaskCancelledError', message: 'backend closed' };
      this.#registry.add(record);
      this.#emit(record);
      return snapshot(record);
    }
    if (key !== undefined) this.#dedupe.set(key, record.id);
    this.#options.set(record, options);
    const delay = options.runAt === undefined ? 0 : options.runAt - Date.now();
    if (delay > 0) record.runAt = new Date(options.runAt!);
    this.#registry.add(record);
    this.#emit(record);
    if (delay > 0) this.#readyAfter(record, delay);
    else this.#ready(record);
    return snapshot(record);
  }

  work(queue: string, worker: TaskWorker, options: { concurrency: number }): void {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', `queue '${queue}'`, 'concurrency', 'an integer >= 1', options.concurrency);
    const state = this.#queue(queue);
    if (state.worker) throw new TaskSetupError('FASTTS_ERR_TASK_QUEUE_HAS_WORKER', queue);
    state.worker = worker;
    state.concurrency = options.concurrency;
    this.#schedule(state);
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    const record = this.#registry.get(id);
    return record && snapshot(record);
  }

  async list(filter?: TaskFilter): Promise<TaskRecord[]> {
    return this.#registry.list(filter).map(snapshot);
  }

  async stats(filter: { queue?: string } = {}): Promise<Record<TaskState, number>> {
    return this.#registry.counts(filter.queue);
  }

  // Synchronous up to its end: the core's shutdown aborts every tracked task in
  // one loop, and a task cancelled here must be out of the queue before the next.
  async cancel(id: string, reason: unknown = new TaskCancelledError()): Promise<boolean> {
    return this.#cancelNow(id, reason);
  }

  async retry(id: string): Promise<boolean> {
    const record = this.#registry.get(id);
    if (!record || this.#closed || !isFinished(record.state) || record.state === 'succeeded' || record.duplicateOf !== undefined) return false;
    record.state = 'queued';
    record.attempts = 0;
    record.error = undefined;
    record.finishedAt = undefined;
    record.runAt = undefined;
    this.#registry.changed(record);
    this.#emit(record);
    this.#ready(record);
    return true;
  }

  watch(listener: (record: TaskRecord) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(options: { drainTimeoutMs?: number } = {}): Promise<void> {
    this.#closed = true;
    for (const record of this.#registry.list({ state: ['queued', 'retrying'], limit: Infinity })) this.#cancelNow(record.id, new TaskCancelledError('backend closed'));
    const deadline = Date.now() + (options.drainTimeoutMs ?? 0);
    while (this.#running.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    for (const id of [...this.#running.keys()]) this.#cancelNow(id, new TaskCancelledError('backend closed'));
  }

  #cancelNow(id: string, reason: unknown): boolean {
    const record = this.#registry.get(id);
    if (!record || isFinished(record.state)) return false;
    const now = new Date();
    const running = this.#running.get(id);
    if (running) {
      this.#running.delete(id);
      running.queue.active--;
      running.controller.abort(reason);
      const current = record.history.at(-1);
      if (current && !current.finishedAt) current.finishedAt = now;
      this.#schedule(running.queue);
    }
    const timer = this.#timers.get(id);
    if (timer) {
      clearTimeout(timer);
      this.#timers.delete(id);
    }
    record.error = serialiseError(reason);
    this.#finish(record, 'cancelled', now);
    return true;
  }

  #queue(name: string): QueueState {
    let state = this.#queues.get(name);
    if (!state) {
      state = { name, ready: new ReadyQueue(), concurrency: 1, active: 0, scheduled: false };
      this.#queues.set(name, state);
    }
    return state;
  }

  #ready(record: MutableRecord): void {
    const queue = this.#queue(record.queue);
    queue.ready.push(record, record.priority);
    this.#schedule(queue);
  }

  // Deferred to the next turn of the event loop (setImmediate): tasks enqueued
  // together are all in the heap before the first is picked, so priorities
  // hold within one tick; a slot freed by a cancel is not refilled in the
  // middle of a shutdown's abort loop; and back-to-back tasks that never wait
  // on I/O still let the server read requests between them (a microtask here
  // starved the event loop for as long as the queue had work).
  #schedule(queue: QueueState): void {
    if (queue.scheduled) return;
    queue.scheduled = true;
    setImmediate(() => {
      queue.scheduled = false;
      this.#pump(queue);
    });
  }

  #pump(queue: QueueState): void {
    while (!this.#closed && queue.worker && queue.active < queue.concurrency) {
      const record = queue.ready.pop();
      if (!record) return;
      if (record.state === 'queued') this.#start(queue, record);
    }
  }

  #start(queue: QueueState, record: MutableRecord): void {
    const controller = new AbortController();
    queue.active++;
    this.#running.set(record.id, { controller, queue });
    record.state = 'running';
    record.attempts++;
    record.startedAt = new Date();
    record.runAt = undefined;
    record.history.push({ attempt: record.attempts, startedAt: record.startedAt });
    this.#registry.changed(record);
    this.#emit(record);
    const claimed: ClaimedTask = {
      // The task's own arguments: changing them changes neither the record nor a later attempt.
      record: { ...snapshot(record), args: structuredClone(record.args) as Json[] },
      signal: controller.signal,
      progress: (value) => {
        if (this.#running.get(record.id)?.controller !== controller) return;
        record.progress = value;
        this.#emit(record);
      },
    };
    let attempt: Promise<unknown>;
    try {
      attempt = queue.worker!(claimed);
    } catch (error) {
      attempt = Promise.reject(error);
    }
    attempt.then(
      (result) => this.#settle(record, controller, { ok: true, result }),
      (error: unknown) => this.#settle(record, controller, { ok: false, error }),
    );
  }

  #settle(record: MutableRecord, controller: AbortController, outcome: { ok: true; result: unknown } | { ok: false; error: unknown }): void {
    const running = this.#running.get(record.id);
    // Cancelled while it ran: the cancel already settled it.
    if (running?.controller !== controller) return;
    this.#running.delete(record.id);
    running.queue.active--;
    this.#schedule(running.queue);
    const now = new Date();
    const attempt = record.history.at(-1)!;
    attempt.finishedAt = now;
    if (outcome.ok) {
      record.result = outcome.result;
      record.error = undefined;
      this.#finish(record, 'succeeded', now);
      return;
    }
    record.error = attempt.error = serialiseError(outcome.error);
    const options = this.#options.get(record)!;
    if (!isRetryable(outcome.error) || record.attempts >= record.maxAttempts) {
      this.#finish(record, record.maxAttempts > 1 && isRetryable(outcome.error) ? 'dead' : 'failed', now);
      return;
    }
    const delay = backoffDelay(options.backoff, record.attempts, this.#random);
    record.state = 'retrying';
    record.runAt = new Date(now.getTime() + delay);
    this.#registry.changed(record);
    this.#emit(record);
    this.#readyAfter(record, delay);
  }

  /** Queues a retrying or delayed task once `delay` has passed (unless it was cancelled meanwhile). */
  #readyAfter(record: MutableRecord, delay: number): void {
    this.#timers.set(
      record.id,
      setTimeout(() => {
        this.#timers.delete(record.id);
        if (record.state !== 'retrying' && record.state !== 'queued') return;
        // Timers run on a monotonic clock and may fire a millisecond before Date.now() reaches runAt.
        const early = (record.runAt?.getTime() ?? 0) - Date.now();
        if (early > 0) return this.#readyAfter(record, early);
        const wasRetrying = record.state === 'retrying';
        record.state = 'queued';
        record.runAt = undefined;
        if (wasRetrying) this.#emit(record);
        this.#ready(record);
      }, delay),
    );
  }

  /** `at`: the end of the last attempt, so the record and its history agree to the millisecond. */
  #finish(record: MutableRecord, state: TaskState, at = new Date()): void {
    record.state = state;
    record.finishedAt = at;
    record.runAt = undefined;
    const options = this.#options.get(record);
    if (options?.dedupeKey !== undefined) {
      const key = `${record.name}\u0000${options.dedupeKey}`;
      if (this.#dedupe.get(key) === record.id) this.#dedupe.delete(key);
    }
    this.#registry.changed(record);
    this.#emit(record);
  }

  #emit(record: MutableRecord): void {
    if (this.#listeners.size === 0) return;
    const copy = snapshot(record);
    for (const listener of this.#listeners) {
      try {
        listener(copy);
      } catch {
        // A listener's bug must not stop the queue.
      }
    }
  }
}
