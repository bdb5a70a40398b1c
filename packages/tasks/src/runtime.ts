import { randomUUID } from 'node:crypto';
import type { App, DependencyScope, Logger } from '@fastts/core';
import type { Json } from './args.js';
import { isFinished, type ClaimedTask, type TaskBackend, type TaskErrorInfo, type TaskFilter, type TaskRecord, type TaskState } from './backend.js';
import { bindLogger, currentTask, runInTask, type TaskContext } from './context.js';
import type { PreparedArgs, TaskDefinition } from './definition.js';
import { NonRetryableError, TaskCancelledError, TaskSetupError, TaskTimeoutError } from './errors.js';
import { kUpdate, TaskHandle } from './handle.js';
import { LagMonitor } from './lag-monitor.js';
import { MemoryBackend, serialiseError } from './memory-backend.js';
import { OffloadPool, type OffloadOptions } from './offload-pool.js';

export interface QueueOptions {
  /** Tasks of the queue running at once. */
  concurrency: number;
}

/** What the runtime tells `onTaskError` besides the error. */
export interface TaskFailureInfo {
  task: string;
  taskId: string;
  state: 'failed' | 'dead';
  attempts: number;
  route: string | undefined;
  requestId: string | undefined;
}

export interface TaskRuntimeOptions {
  /** Where tasks are stored and scheduled. Default: a MemoryBackend. */
  backend?: TaskBackend;
  /** Per-queue settings; queues not listed get `concurrency`. */
  queues?: Record<string, Partial<QueueOptions>>;
  /** Concurrency of queues not listed in `queues`. Default 10. */
  concurrency?: number;
  /**
   * The worker-thread pool for `offload` tasks, or `inline` to run them in
   * process (tests under vitest, whose TypeScript the workers cannot load).
   */
  offload?: OffloadOptions | 'inline';
  /** Warn, naming the task, when an in-process task blocks the event loop longer than this. Default 100 ms; `false` turns it off. */
  lagThresholdMs?: number | false;
  /** Called once per task that failed for good (after its last attempt), after it was logged. */
  onTaskError?: (error: unknown, info: TaskFailureInfo) => unknown;
}

/** Where a task came from, for logs and reports. */
export interface SubmitMeta {
  requestId?: string;
  route?: string;
  /** The request's background signal: aborted means shutdown gave up before the task was enqueued. */
  signal?: AbortSignal;
}

/** A task added in a handler, recorded `queued` until the core runs it after the response (or drops it). */
interface HeldTask {
  record: TaskRecord;
  /** Set by `cancel(id)` before the task reached the backend: it is cancelled there as soon as it does. */
  cancelReason?: unknown;
}

const runtimes = new WeakMap<App, TaskRuntime>();

/**
 * Runs named tasks for one app: takes them from `addTask` (after the
 * response) or `enqueue`, hands them to the backend, and runs what the
 * backend claims: on the event loop or on a worker thread, with a timeout,
 * a task scope for dependencies and `currentTask()` set. It registers every
 * pending task with `app.track`, so `backgroundIdle()` and
 * `close({ drainTimeoutMs })` wait for them and name the ones abandoned.
 *
 * An app without a runtime gets a default one (memory backend) the first
 * time a named task is added or enqueued; attach one to configure it.
 *
 * @example
 * ```ts
 * const app = new App().include(ReportsController);
 * const runtime = new TaskRuntime({ queues: { reports: { concurrency: 2 } } }).attach(app);
 * app.include(new TasksController(runtime)); // GET /tasks/{id}, GET /tasks?state=, DELETE /tasks/{id}
 * ```
 */
export class TaskRuntime {
  readonly backend: TaskBackend;
  readonly #options: TaskRuntimeOptions;
  readonly #definitions = new Map<string, TaskDefinition<any, any>>();
  readonly #workers = new Set<string>();
  readonly #handles = new Map<string, TaskHandle<any>>();
  readonly #tracked = new Map<string, { end(): void }>();
  /** The error object each failing task last threw, so reports carry the real error. */
  readonly #errors = new Map<string, unknown>();
  readonly #pool: OffloadPool | undefined;
  readonly #unwatch: () => void;
  readonly #held = new Map<string, HeldTask>();
  #app: App | undefined;
  #lag: LagMonitor | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: TaskRuntimeOptions = {}) {
    this.#options = options;
    this.backend = options.backend ?? new MemoryBackend();
    this.#pool = options.offload === 'inline' ? undefined : new OffloadPool(options.offload);
    this.#unwatch = this.backend.watch((record) => this.#observe(record));
  }

  /** The runtime attached to `app`, or a default one attached now. */
  static for(app: App): TaskRuntime {
    return runtimes.get(app) ?? new TaskRuntime().attach(app);
  }

  /**
   * Serves `app`: its logger, its dependency scopes, its shutdown (`app.close()`
   * closes the runtime once it has drained). One runtime per app.
   */
  attach(app: App): this {
    if (this.#app === app) return this;
    if (this.#app) throw new TaskSetupError('a task runtime serves one app');
    const other = runtimes.get(app);
    if (other && other !== this) throw new TaskSetupError('this app already has a task runtime (attach it before any task is added)');
    this.#app = app;
    runtimes.set(app, this);
    const threshold = this.#options.lagThresholdMs ?? 100;
    this.#lag = threshold === false ? undefined : new LagMonitor(app.logger, threshold);
    // After the app's drain: nothing is left to wait for, only threads and timers to release.
    app.onClose(() => this.close());
    return this;
  }

  get app(): App | undefined {
    return this.#app;
  }

  /** Threads of the offload pool (0 until a task is offloaded, or with `offload: 'inline'`). */
  get offloadThreads(): number {
    return this.#pool?.threads ?? 0;
  }

  /**
   * Makes definitions known by name and starts their queues' workers. Optional
   * for the memory backend (done on first enqueue); a durable backend needs it
   * at boot, to run tasks enqueued before a restart.
   */
  register(...definitions: TaskDefinition<any, any>[]): this {
    for (const definition of definitions) {
      const known = this.#definitions.get(definition.name);
      if (known && known !== definition) throw new TaskSetupError(`two different tasks are named '${definition.name}'`);
      this.#definitions.set(definition.name, definition);
      this.#ensureWorker(definition.queue);
    }
    return this;
  }

  /**
   * Enqueues a task outside a request (a script, a scheduler, another task).
   * Arguments are checked now; the handle is returned at once.
   */
  enqueue<A extends unknown[], R>(definition: TaskDefinition<A, R>, ...args: A): TaskHandle<R> {
    const prepared = definition.prepare(args);
    const handle = new TaskHandle<R>(randomUUID(), definition.name);
    // Enqueued by a running task: the child keeps the request it came from.
    const parent = currentTask();
    this.submit(definition, prepared, handle, { requestId: parent?.requestId, route: parent?.route }).catch((err: unknown) => this.#logger.error({ err, task: definition.name, taskId: handle.id }, 'task could not be enqueued'));
    return handle;
  }

  /**
   * Records a task added in a handler as `queued` (for `get`, `list`, `stats`
   * and `cancel`) until `submit` hands it to the backend after the response,
   * or `release` forgets it because the core dropped it.
   */
  hold<A extends unknown[], R>(definition: TaskDefinition<A, R>, prepared: PreparedArgs, handle: TaskHandle<R>, meta: SubmitMeta = {}): void {
    this.#held.set(handle.id, { record: taskRecord(definition, prepared.payload, handle.id, meta) });
  }

  /** Forgets a held task the core will not run. */
  release(id: string): void {
    this.#held.delete(id);
  }

  /** Hands a prepared task to the backend (what a NamedBackgroundTask does after the response). */
  async submit<A extends unknown[], R>(definition: TaskDefinition<A, R>, prepared: PreparedArgs, handle: TaskHandle<R>, meta: SubmitMeta = {}): Promise<void> {
    const held = this.#held.get(handle.id);
    try {
      this.#requireApp();
      this.register(definition);
    } catch (error) {
      this.#held.delete(handle.id);
      throw error;
    }
    if (meta.signal?.aborted) {
      // The shutdown deadline passed while earlier tasks of the request ran: never start it.
      this.#held.delete(handle.id);
      handle[kUpdate](abandonedRecord(definition, prepared.payload, handle.id, meta, meta.signal.reason));
      return;
    }
    this.#handles.set(handle.id, handle);
    if (!this.backend.durable) this.#track(handle.id, definition.name);
    try {
      // The backend records it synchronously; the held record goes once it has.
      const enqueued = this.backend.enqueue(definition.name, prepared.payload, {
        id: handle.id,
        queue: definition.queue,
        priority: definition.priority,
        maxAttempts: definition.maxAttempts,
        backoff: definition.backoff,
        dedupeKey: prepared.dedupeKey,
        requestId: meta.requestId,
        route: meta.route,
      });
      this.#held.delete(handle.id);
      await enqueued;
    } catch (error) {
      this.#held.delete(handle.id);
      this.#handles.delete(handle.id);
      this.#untrack(handle.id);
      throw error;
    }
    if (held && 'cancelReason' in held) await this.backend.cancel(handle.id, held.cancelReason);
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    return this.#held.get(id)?.record ?? this.backend.get(id);
  }

  async list(filter: TaskFilter = {}): Promise<TaskRecord[]> {
    const stored = await this.backend.list(filter);
    if (this.#held.size === 0) return stored;
    const states = filter.state === undefined ? undefined : ([] as TaskState[]).concat(filter.state);
    const held = [...this.#held.values()]
      .map((h) => h.record)
      .filter((r) => (!states || states.includes(r.state)) && (filter.name === undefined || r.name === filter.name) && (filter.queue === undefined || r.queue === filter.queue))
      .reverse();
    // Held tasks are the newest: they were added by requests still finishing.
    return [...held, ...stored.filter((r) => !this.#held.has(r.id))].slice(0, filter.limit ?? 100);
  }

  async stats(): Promise<Record<TaskState, number>> {
    const counts = await this.backend.stats();
    for (const { record } of this.#held.values()) counts[record.state] = (counts[record.state] ?? 0) + 1;
    return counts;
  }

  /** Cancels a queued, retrying or running task; a running one sees its signal abort. */
  async cancel(id: string, reason: unknown = new TaskCancelledError()): Promise<boolean> {
    const held = this.#held.get(id);
    if (!held) return this.backend.cancel(id, reason);
    if ('cancelReason' in held) return false;
    held.cancelReason = reason;
    held.record = { ...held.record, state: 'cancelled', finishedAt: new Date(), error: serialiseError(reason) };
    return true;
  }

  /** Runs a failed, dead or cancelled task again, from its first attempt. */
  async retry(id: string): Promise<boolean> {
    const record = await this.backend.get(id);
    if (!record) return false;
    if (!this.backend.durable) this.#track(id, record.name);
    const retried = await this.backend.retry(id);
    if (!retried) this.#untrack(id);
    return retried;
  }

  /**
   * Closes the backend (waiting up to `drainTimeoutMs` for running tasks) and
   * the worker threads. `app.close()` calls it after its own drain; calling it
   * again (or yourself) is harmless and waits for the first close.
   */
  close(options: { drainTimeoutMs?: number } = {}): Promise<void> {
    return (this.#closing ??= this.#close(options));
  }

  async #close(options: { drainTimeoutMs?: number }): Promise<void> {
    this.#held.clear();
    await this.backend.close(options);
    this.#unwatch();
    this.#lag?.stop();
    await this.#pool?.close();
    if (this.#app && runtimes.get(this.#app) === this) runtimes.delete(this.#app);
  }

  get #logger(): Logger {
    return this.#requireApp().logger;
  }

  #requireApp(): App {
    if (!this.#app) throw new TaskSetupError('attach the task runtime to an app first: runtime.attach(app)');
    return this.#app;
  }

  #ensureWorker(queue: string): void {
    if (this.#workers.has(queue)) return;
    const concurrency = this.#options.queues?.[queue]?.concurrency ?? this.#options.concurrency ?? 10;
    this.backend.work(queue, (claimed) => this.#execute(claimed), { concurrency });
    this.#workers.add(queue);
  }

  #track(id: string, name: string): void {
    if (this.#tracked.has(id)) return;
    const abort = (reason: unknown) => void this.backend.cancel(id, reason);
    this.#tracked.set(id, this.#requireApp().track({ pendingNames: () => [name], abort }));
  }

  #untrack(id: string): void {
    this.#tracked.get(id)?.end();
    this.#tracked.delete(id);
  }

  #observe(record: TaskRecord): void {
    this.#handles.get(record.id)?.[kUpdate](record);
    if (record.state === 'retrying') {
      this.#app?.logger.warn(
        { task: record.name, taskId: record.id, attempt: record.attempts, maxAttempts: record.maxAttempts, runAt: record.runAt, error: record.error?.message, requestId: record.requestId },
        'task attempt failed; retrying',
      );
    }
    if (!isFinished(record.state)) return;
    this.#handles.delete(record.id);
    this.#untrack(record.id);
    if (record.state === 'failed' || record.state === 'dead') this.#report(record);
    this.#errors.delete(record.id);
  }

  /** Exactly once per task, when it has failed for good. */
  #report(record: TaskRecord): void {
    const app = this.#app;
    if (!app) return;
    const error = this.#errors.get(record.id) ?? Object.assign(new Error(record.error?.message ?? `task ended ${record.state}`), { name: record.error?.name ?? 'Error' });
    const info: TaskFailureInfo = { task: record.name, taskId: record.id, state: record.state as 'failed' | 'dead', attempts: record.attempts, route: record.route, requestId: record.requestId };
    // Core logs it, keeps it in app.taskFailures (test clients read those) and calls the app's onTaskError.
    app.reportTaskError({ error, task: record.name, route: record.route ?? 'tasks', requestId: record.requestId ?? record.id });
    const hook = this.#options.onTaskError;
    if (!hook) return;
    try {
      const result = hook(error, info);
      if (result instanceof Promise) result.catch((err: unknown) => app.logger.error({ err, ...info }, 'onTaskError hook failed'));
    } catch (err) {
      app.logger.error({ err, ...info }, 'onTaskError hook failed');
    }
  }

  /** One attempt of a claimed task: timeout, then on a worker thread or in process. */
  async #execute(claimed: ClaimedTask): Promise<unknown> {
    const { record } = claimed;
    const definition = this.#definitions.get(record.name);
    if (!definition) throw new NonRetryableError(`no task named '${record.name}' is registered with this runtime`);
    const timeout = definition.timeoutMs === undefined ? undefined : new AbortController();
    const timer = timeout && setTimeout(() => timeout.abort(new TaskTimeoutError(record.name, definition.timeoutMs!)), definition.timeoutMs);
    const signal = timeout ? AbortSignal.any([claimed.signal, timeout.signal]) : claimed.signal;
    try {
      if (definition.offload && this.#pool) return await this.#offloaded(definition, record.args, signal);
      return await this.#inProcess(definition, claimed, signal);
    } catch (error) {
      this.#errors.set(record.id, error);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async #offloaded(definition: TaskDefinition<any, any>, args: Json[], signal: AbortSignal): Promise<unknown> {
    const target = definition.offload!;
    if (/\.[mc]?ts$/.test(target.module)) {
      throw new NonRetryableError(`task '${definition.name}' is offloaded to ${target.module}, TypeScript source a worker thread cannot load: build first, or use offload: 'inline' in tests`);
    }
    try {
      return await this.#pool!.run(target, args, signal);
    } catch (error) {
      // Piscina rejects with its own AbortError; the signal's reason says why (timeout or cancel).
      throw signal.aborted ? signal.reason : error;
    }
  }

  async #inProcess(definition: TaskDefinition<any, any>, claimed: ClaimedTask, signal: AbortSignal): Promise<unknown> {
    const app = this.#requireApp();
    const { record } = claimed;
    let scope: DependencyScope | undefined;
    const context: TaskContext = {
      id: record.id,
      name: record.name,
      queue: record.queue,
      attempt: record.attempts,
      maxAttempts: record.maxAttempts,
      signal,
      requestId: record.requestId,
      route: record.route,
      logger: bindLogger(app.logger, { task: record.name, taskId: record.id, attempt: record.attempts, requestId: record.requestId }),
      progress: (value) => claimed.progress(value),
      use: (dependency) => (scope ??= app.createScope(`task ${record.name}`)).resolve(dependency),
    };
    const call = (): Promise<unknown> => {
      try {
        return Promise.resolve(definition.fn(...definition.decode(record.args)));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    this.#lag?.enter(record.id, record.name);
    const running = runInTask(context, () => (this.#lag ? this.#lag.run(record.id, record.name, call) : call()));
    const outcome = running.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    const settled = await untilAborted(outcome, signal);
    this.#lag?.leave(record.id);
    if (settled === undefined) {
      // Timed out or cancelled while its code still runs: its dependencies are
      // cleaned up only once that code stops, never under its feet.
      void outcome.then(() => scope?.close(signal.reason)).catch((err: unknown) => context.logger.error({ err }, 'task dependency cleanup failed'));
      throw signal.reason;
    }
    if (scope) {
      try {
        await scope.close(settled.ok ? undefined : settled.error);
      } catch (cleanupError) {
        if (settled.ok) throw cleanupError;
        context.logger.error({ err: cleanupError }, 'task dependency cleanup failed');
      }
    }
    if (!settled.ok) throw settled.error;
    return settled.value;
  }
}

/** `promise`'s value, or undefined as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then((value) => {
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    });
  });
}

function abandonedRecord(definition: TaskDefinition<any, any>, args: Json[], id: string, meta: SubmitMeta, reason: unknown): TaskRecord {
  return taskRecord(definition, args, id, meta, serialiseError(reason));
}

/** The record of a task not (yet) in a backend: `queued`, or `cancelled` with `error` when given one. */
export function taskRecord(definition: TaskDefinition<any, any>, args: Json[], id: string, meta: SubmitMeta, error?: TaskErrorInfo): TaskRecord {
  const now = new Date();
  return {
    id,
    name: definition.name,
    queue: definition.queue,
    args,
    state: error ? 'cancelled' : 'queued',
    priority: definition.priority,
    attempts: 0,
    maxAttempts: definition.maxAttempts,
    createdAt: now,
    ...(error ? { finishedAt: now, error } : {}),
    history: [],
    requestId: meta.requestId,
    route: meta.route,
  };
}
