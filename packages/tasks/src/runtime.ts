import { taskId } from './task-id.js';
import { QueueAdmission, type QueueStats } from './admission.js';
import { AttemptRunner } from './attempt.js';
import { isFinished, type ClaimedTask, type EnqueueOptions, type FollowedTask, type TaskBackend, type TaskFilter, type TaskRecord, type TaskState } from './backend.js';
import { currentTask } from './context.js';
import { AppSlot, hostOf, type App, type TaskHost } from './core-seam.js';
import { DrainTracking } from './drain.js';
import { TaskCancelledError, TaskSetupError } from './errors.js';
import { FailureReport } from './failure-report.js';
import { kObserved, kState, kUpdate, TaskHandle } from './handle.js';
import { HeldTasks } from './held-tasks.js';
import { LagMonitor } from './lag-monitor.js';
import { MemoryBackend } from './memory-backend.js';
import { OffloadPool } from './offload-pool.js';
import { QueueSettings } from './queue-settings.js';
import { RemoteProgress } from './remote-progress.js';
import { serialiseError, taskRecord } from './records.js';
import type { SubmitMeta, TaskRuntimeOptions } from './runtime-options.js';
import { MemoryScheduleStore } from './schedule-store.js';
import { Schedules, type Schedule, type ScheduleInfo, type ScheduleOptions } from './schedules.js';
import type { PreparedArgs, TaskSpec } from './spec.js';

const runtimes = new AppSlot<TaskRuntime>();

/**
 * Runs named tasks for one app: takes them from `addTask` (after the
 * response) or `enqueue`, hands them to the backend, and runs what the
 * backend claims: on the event loop or on a worker thread, with a timeout,
 * a task scope for dependencies and `currentTask()` set. It registers every
 * pending task with `app.track`, so `backgroundIdle()` and
 * `close({ drainTimeoutMs })` wait for them and name the ones abandoned.
 * Each queue holds at most `maxQueued` waiting tasks: past it, new ones are
 * refused with `TaskQueueFullError` (503 with `Retry-After` in a handler).
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
  readonly #queues: QueueSettings;
  readonly #definitions = new Map<string, TaskSpec>();
  readonly #workers = new Set<string>();
  readonly #handles = new Map<string, TaskHandle<any>>();
  readonly #held = new HeldTasks();
  /** Tasks of handlers written to a durable backend (`stage`) and not yet committed or dropped. */
  readonly #staged = new Set<string>();
  readonly #admission: QueueAdmission;
  readonly #drain: DrainTracking;
  readonly #failures: FailureReport;
  readonly #attempts: AttemptRunner;
  readonly #pool: OffloadPool | undefined;
  readonly #unwatch: () => void;
  readonly #remote: RemoteProgress;
  #host: TaskHost | undefined;
  #lag: LagMonitor | undefined;
  #closing: Promise<void> | undefined;
  #schedules: Schedules | undefined;

  constructor(options: TaskRuntimeOptions = {}) {
    this.#queues = new QueueSettings(options);
    this.#options = options;
    this.backend = options.backend ?? new MemoryBackend();
    // Nothing else would ever run a memory backend's tasks.
    if (options.work === false && !this.backend.durable) throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', 'TaskRuntime', 'work', 'true unless the backend is durable', false);
    this.#pool = options.offload === 'inline' ? undefined : new OffloadPool(options.offload);
    this.#admission = new QueueAdmission((queue) => this.#queues.bound(queue), () => this.#host?.logger);
    this.#drain = new DrainTracking(() => this.#requireHost(), (id, reason) => void this.backend.cancel(id, reason));
    this.#failures = new FailureReport(options.onTaskError);
    this.#attempts = new AttemptRunner({
      definition: (name) => this.#definitions.get(name),
      host: () => this.#requireHost(),
      pool: this.#pool,
      lag: () => this.#lag,
    });
    this.#unwatch = this.backend.watch((record) => this.#observe(record));
    this.#remote = new RemoteProgress(
      this.backend,
      () => this.#followed(),
      (record) => this.#observe(record, { remote: true }),
      (task, state) => this.#observeState(task, state),
      (id) => this.#forgetGone(id),
    );
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
    if (this.#host?.app === app) return this;
    if (this.#host) throw new TaskSetupError('FASTTS_ERR_TASK_RUNTIME_ATTACHED');
    const other = runtimes.get(app);
    if (other && other !== this) throw new TaskSetupError('FASTTS_ERR_TASK_APP_HAS_RUNTIME');
    const host = hostOf(app);
    this.#host = host;
    runtimes.set(app, this);
    const threshold = this.#options.lagThresholdMs ?? 100;
    this.#lag = threshold === false ? undefined : new LagMonitor(host.logger, threshold);
    // A durable backend stops claiming when the drain starts: queued tasks wait in the store.
    // Schedules stop firing then too: a tick now would only add to what the drain waits for.
    host.onDrainStart(() => {
      this.backend.pause?.();
      void this.#schedules?.close();
    });
    // After the app's drain: nothing is left to wait for, only threads and timers to release.
    host.onClose(() => this.close());
    // Registered before: their queues start now, with a host to run their tasks.
    for (const definition of this.#definitions.values()) this.#ensureWorker(definition.queue);
    return this;
  }

  get app(): App | undefined {
    return this.#host?.app;
  }

  /** Whether this process runs tasks (the `work` option): false in a process that only enqueues. */
  get works(): boolean {
    return this.#options.work !== false;
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
  register(...definitions: TaskSpec[]): this {
    for (const given of definitions) {
      const definition = given.base ?? given;
      const known = this.#definitions.get(definition.name);
      if (known && known !== definition) throw new TaskSetupError('FASTTS_ERR_TASK_NAME_TAKEN', definition.name);
      this.#definitions.set(definition.name, definition);
      this.#ensureWorker(definition.queue);
    }
    return this;
  }

  /**
   * Enqueues a task outside a request (a script, a scheduler, another task).
   * Arguments are checked now; the handle is returned at once. Throws
   * TaskQueueFullError when the task's queue is full: use `enqueueWhenRoom`
   * to wait for room instead.
   */
  enqueue<A extends unknown[], R>(definition: TaskSpec<A, R>, ...args: A): TaskHandle<R> {
    this.#requireHost();
    const prepared = definition.prepare(args);
    const handle = new TaskHandle<R>(taskId(), definition.name);
    this.#admission.admit(definition.queue, handle.id);
    this.#submitDetached(definition, prepared, handle);
    return handle;
  }

  /**
   * `enqueue`, waiting while the task's queue is full (the `block` policy, for
   * producers that can wait: scripts, schedulers, consumers of another queue).
   * Waiters are served first come, first served. A task awaiting room in its
   * own queue can deadlock it: enqueue into another queue from a task.
   */
  async enqueueWhenRoom<A extends unknown[], R>(definition: TaskSpec<A, R>, ...args: A): Promise<TaskHandle<R>> {
    this.#requireHost();
    const prepared = definition.prepare(args);
    const handle = new TaskHandle<R>(taskId(), definition.name);
    await this.#admission.whenRoom(definition.queue, handle.id);
    this.#submitDetached(definition, prepared, handle);
    return handle;
  }

  /**
   * Records a task added in a handler as `queued` (for `get`, `list`, `stats`
   * and `cancel`) until `submit` hands it to the backend after the response,
   * or `release` forgets it because the core dropped it. Throws
   * TaskQueueFullError, in the handler, when its queue is full. With a durable
   * backend the task is written now instead, and the promise returned settles
   * once it is stored.
   */
  hold<A extends unknown[], R>(definition: TaskSpec<A, R>, prepared: PreparedArgs, handle: TaskHandle<R>, meta: SubmitMeta = {}): Promise<unknown> | undefined {
    this.#admission.admit(definition.queue, handle.id);
    if (!this.backend.stage) {
      this.#held.hold(taskRecord(definition, prepared.payload, handle.id, meta));
      return undefined;
    }
    // Durable: stored before the response's first byte (the core waits for the
    // promise returned here), runnable once the response is written.
    this.#requireHost();
    this.register(definition);
    this.#follow(handle);
    this.#staged.add(handle.id);
    const stored = this.backend.stage(definition.name, prepared.payload, enqueueOptions(definition, prepared, handle.id, meta)).catch((error: unknown) => {
      this.#staged.delete(handle.id);
      this.#handles.delete(handle.id);
      this.#admission.forget(definition.queue, handle.id);
      throw error;
    });
    // The core awaits it only when the handler succeeds; a failed request drops the task instead.
    stored.catch(() => undefined);
    return stored;
  }

  /** Forgets a held task the core will not run. */
  release(id: string): void {
    if (this.#staged.delete(id)) {
      this.#handles.delete(id);
      this.backend.unstage?.(id);
    }
    const record = this.#held.record(id);
    this.#held.take(id);
    if (record) this.#admission.forget(record.queue, id);
  }

  /**
   * Hands a prepared task to the backend (what a NamedBackgroundTask does
   * after the response). A task not held or enqueued before takes its place
   * in the queue now, and fails with TaskQueueFullError when there is none.
   */
  async submit<A extends unknown[], R>(definition: TaskSpec<A, R>, prepared: PreparedArgs, handle: TaskHandle<R>, meta: SubmitMeta = {}): Promise<void> {
    if (this.#staged.delete(handle.id)) {
      // Stored before the response; even past the shutdown deadline it is kept for the next process.
      this.backend.commit?.(handle.id);
      return;
    }
    const held = this.#held.take(handle.id);
    try {
      this.#requireHost();
      this.register(definition);
      this.#admission.admit(definition.queue, handle.id);
    } catch (error) {
      this.#admission.forget(definition.queue, handle.id);
      handle[kUpdate](taskRecord(definition, prepared.payload, handle.id, meta, serialiseError(error)));
      throw error;
    }
    if (meta.signal?.aborted) {
      // The shutdown deadline passed while earlier tasks of the request ran: never start it.
      this.#admission.forget(definition.queue, handle.id);
      handle[kUpdate](taskRecord(definition, prepared.payload, handle.id, meta, serialiseError(meta.signal.reason)));
      return;
    }
    this.#follow(handle);
    if (!this.backend.durable) this.#drain.begin(handle.id, definition.name);
    try {
      await this.backend.enqueue(definition.name, prepared.payload, enqueueOptions(definition, prepared, handle.id, meta));
    } catch (error) {
      this.#admission.forget(definition.queue, handle.id);
      this.#handles.delete(handle.id);
      this.#drain.end(handle.id);
      throw error;
    }
    if (held.cancelled) await this.backend.cancel(handle.id, held.reason);
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    return this.#held.record(id) ?? this.backend.get(id);
  }

  async list(filter: TaskFilter = {}): Promise<TaskRecord[]> {
    const stored = await this.backend.list(filter);
    const held = this.#held.list(filter);
    if (held.length === 0) return stored;
    // Held tasks are the newest: they were added by requests still finishing.
    return [...held, ...stored.filter((r) => !this.#held.has(r.id))].slice(0, filter.limit ?? 100);
  }

  /** Tasks by state (of one queue when `filter.queue` is given), held ones counted `queued`. */
  async stats(filter: { queue?: string } = {}): Promise<Record<TaskState, number>> {
    return this.#held.count(await this.backend.stats(filter), filter.queue);
  }

  /** Tasks waiting and running per queue, with each queue's bound: the depth to watch under load. */
  queueStats(): Record<string, QueueStats> {
    return this.#admission.stats();
  }

  /** Cancels a queued, retrying or running task; a running one sees its signal abort. */
  async cancel(id: string, reason: unknown = new TaskCancelledError()): Promise<boolean> {
    return this.#held.cancel(id, reason) ?? this.backend.cancel(id, reason);
  }

  /** Runs a failed, dead or cancelled task again, from its first attempt; throws TaskQueueFullError when its queue is full. */
  async retry(id: string): Promise<boolean> {
    const record = await this.backend.get(id);
    // Not retryable: answered by the backend's rule, before the queue's bound can refuse it.
    if (!record || !isFinished(record.state) || record.state === 'succeeded') return false;
    this.#admission.admit(record.queue, id);
    if (!this.backend.durable) this.#drain.begin(id, record.name);
    const retried = await this.backend.retry(id);
    if (!retried) {
      this.#admission.forget(record.queue, id);
      this.#drain.end(id);
    }
    return retried;
  }

  /**
   * Enqueues `definition` with `args` on every tick of a cron pattern (croner),
   * from this process and every other on the same store: each tick fires once,
   * the next run survives restarts, and ticks missed while no process ran
   * are skipped unless `missed` says otherwise. See `ScheduleOptions`.
   *
   * @example
   * ```ts
   * runtime.schedule('nightly-report', '0 3 * * *', renderReport, 'daily');
   * runtime.schedule({ name: 'digest', cron: '0 8 * * MON', timezone: 'Europe/Paris', missed: 'once' }, sendDigest);
   * ```
   */
  schedule<A extends unknown[], R>(options: ScheduleOptions, definition: TaskSpec<A, R>, ...args: A): Schedule;
  schedule<A extends unknown[], R>(name: string, cron: string, definition: TaskSpec<A, R>, ...args: A): Schedule;
  schedule(first: string | ScheduleOptions, ...rest: unknown[]): Schedule {
    this.#requireHost();
    this.#schedules ??= new Schedules({
      store: this.backend.schedules ?? new MemoryScheduleStore(),
      register: (definition) => this.register(definition),
      submit: (definition, prepared, handle, meta) => this.submit(definition, prepared, handle, meta),
      logger: () => this.#host?.logger,
    });
    return this.#schedules.add(first, rest);
  }

  /** This runtime's schedules, with their next and last runs as stored. */
  async schedules(): Promise<ScheduleInfo[]> {
    return this.#schedules?.list() ?? [];
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
    await this.#schedules?.close();
    this.#held.clear();
    this.#admission.releaseWaiters();
    await this.backend.close(options);
    this.#unwatch();
    this.#remote.stop();
    this.#lag?.stop();
    await this.#pool?.close();
    if (this.#host) runtimes.clear(this.#host.app, this);
  }

  /** Runs `submit` for a task enqueued outside a request, logging what cannot be enqueued. */
  #submitDetached<A extends unknown[], R>(definition: TaskSpec<A, R>, prepared: PreparedArgs, handle: TaskHandle<R>): void {
    // Enqueued by a running task: the child keeps the request it came from.
    const parent = currentTask();
    this.submit(definition, prepared, handle, { requestId: parent?.requestId, route: parent?.route }).catch((err: unknown) =>
      this.#host?.logger.error({ err, task: definition.name, taskId: handle.id }, 'task could not be enqueued'),
    );
  }

  #followed(): FollowedTask[] {
    const out: FollowedTask[] = [];
    for (const handle of this.#handles.values()) {
      const queue = this.#definitions.get(handle.name)?.queue;
      if (queue !== undefined) out.push({ id: handle.id, queue, state: handle.status, wantsRecord: handle[kObserved] });
    }
    return out;
  }

  #follow(handle: TaskHandle<any>): void {
    this.#handles.set(handle.id, handle);
    if (this.backend.durable) this.#remote.wake();
  }

  #requireHost(): TaskHost {
    if (!this.#host) throw new TaskSetupError('FASTTS_ERR_TASK_NOT_ATTACHED');
    return this.#host;
  }

  /** Queues of the registered definitions, in registration order. */
  get queues(): string[] {
    return [...new Set([...this.#definitions.values()].map((d) => d.queue))];
  }

  #ensureWorker(queue: string): void {
    // Not before `attach`: a stored task claimed then would fail for want of a host.
    if (this.#workers.has(queue) || this.#options.work === false || !this.#host) return;
    this.backend.work(queue, (claimed) => this.#attempt(claimed), { concurrency: this.#queues.concurrency(queue) });
    this.#workers.add(queue);
  }

  async #attempt(claimed: ClaimedTask): Promise<unknown> {
    const { id, name } = claimed.record;
    // A durable task running here gets the drain's deadline; past it, it goes back to the store, not named abandoned.
    if (this.backend.durable) this.#drain.begin(id, name, { named: false, abort: (reason) => this.#interrupt(id, name, reason) });
    try {
      return await this.#attempts.run(claimed);
    } catch (error) {
      this.#failures.remember(id, error);
      throw error;
    } finally {
      if (this.backend.durable) this.#drain.end(id);
    }
  }

  #interrupt(id: string, name: string, reason: unknown): void {
    this.#drain.end(id);
    const released = this.backend.release?.(id, reason) ?? this.backend.cancel(id, reason);
    released.then(
      (done) => done && this.#host?.logger.warn({ task: name, taskId: id }, 'task interrupted by shutdown; it runs again from the store'),
      (err: unknown) => this.#host?.logger.error({ err, task: name, taskId: id }, 'task could not be handed back at shutdown'),
    );
  }

  /** `remote`: a change another process made (it reports the task's failure, not this one). */
  #observe(record: TaskRecord, { remote = false } = {}): void {
    this.#admission.observe(record.queue, record.id, record.state);
    this.#handles.get(record.id)?.[kUpdate](record);
    if (record.state === 'retrying' && !remote) {
      this.#host?.logger.warn(
        { task: record.name, taskId: record.id, attempt: record.attempts, maxAttempts: record.maxAttempts, runAt: record.runAt, error: record.error?.message, requestId: record.requestId },
        'task attempt failed; retrying',
      );
    }
    if (!isFinished(record.state)) return;
    this.#handles.delete(record.id);
    this.#drain.end(record.id);
    if ((record.state === 'failed' || record.state === 'dead') && this.#host && !remote) this.#failures.report(this.#host, record);
    this.#failures.forget(record.id);
  }

  /**
   * A change another process made to a task nothing waits on, told without
   * its record: the queue's places and the handle's status follow it, and a
   * handle read later reads the final record then.
   */
  #observeState(task: FollowedTask, state: TaskState): void {
    this.#admission.observe(task.queue, task.id, state);
    const handle = this.#handles.get(task.id);
    handle?.[kState](state, () => this.backend.get(task.id));
    if (!isFinished(state)) return;
    this.#handles.delete(task.id);
    this.#drain.end(task.id);
    this.#failures.forget(task.id);
  }

  /** A followed task no longer in the store (purged): nothing will tell of it again. */
  #forgetGone(id: string): void {
    const handle = this.#handles.get(id);
    this.#handles.delete(id);
    const queue = handle && this.#definitions.get(handle.name)?.queue;
    if (queue !== undefined) this.#admission.forget(queue, id);
  }
}

function enqueueOptions(definition: TaskSpec, prepared: PreparedArgs, id: string, meta: SubmitMeta): EnqueueOptions {
  return {
    id,
    // Every handle's id comes from taskId() unless its maker says otherwise (a schedule's tick).
    freshId: meta.ownId !== true,
    queue: definition.queue,
    priority: definition.priority,
    maxAttempts: definition.maxAttempts,
    backoff: definition.backoff,
    dedupeKey: prepared.dedupeKey,
    requestId: meta.requestId,
    route: meta.route,
    ...(prepared.runAt === undefined ? {} : { runAt: prepared.runAt }),
  };
}
