import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import {
  backoffDelay,
  isRetryable,
  serialiseError,
  TaskCancelledError,
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
import { backoffOf, encodeResult, toRecord, type TaskRow } from './rows.js';
import { SqliteScheduleStore } from './schedules.js';
import { Retention, type RetentionOptions } from './retention.js';
import { openStore } from './store.js';

export interface SqliteBackendOptions {
  /** The database file; created with its folder's permissions if missing. */
  path: string;
  /** How long a statement waits for another connection's write lock before failing. Default 5000. */
  busyTimeoutMs?: number;
  /** How often each worked queue looks for tasks another process added and retries that are due. Default 50. */
  pollIntervalMs?: number;
  /**
   * How long a claimed task is held without renewal. A running task renews it
   * every third of this; a task whose process died is claimed again once it
   * runs out, its attempt counted. Default 30 000.
   */
  leaseMs?: number;
  /**
   * Runs a task whose process died while it ran this many more times once its
   * attempts are spent (a death is not the task's failure; BullMQ's
   * `maxStalledCount`). Default 1: a task with the default single attempt is
   * run again once after a crash. 0 counts a death as a failed attempt.
   */
  maxStalls?: number;
  /**
   * Called with an error of the store met outside a call (polling, claiming,
   * renewing, settling: another process holding the lock past the busy
   * timeout, a full disk). The loop goes on at the next poll. Default: a
   * process warning.
   */
  onError?: (error: unknown) => void;
  /** Which finished records are kept, and how often the purge runs (see RetentionOptions); dead tasks are kept by default. */
  retention?: RetentionOptions;
  /** Source of jitter, for tests. Default Math.random. */
  random?: () => number;
}

interface QueueState {
  readonly name: string;
  readonly worker: TaskWorker;
  readonly concurrency: number;
  active: number;
  scheduled: boolean;
  readonly poll: NodeJS.Timeout;
}

interface PendingInsert {
  readonly name: string;
  readonly args: Json[];
  readonly options: EnqueueOptions;
  /** Owned by this process until committed. */
  readonly staged: boolean;
  settle(record: TaskRecord | undefined, error: unknown): void;
}

interface Running {
  readonly controller: AbortController;
  readonly queue: QueueState;
  readonly row: TaskRow;
}

const pending = "('queued', 'retrying', 'running')";
/** Attempts of a task that ended with its process's death (an expired lease), before this one. */
const stalls = `(SELECT count(*) FROM json_each(history) WHERE json_extract(value, '$.error.name') = 'TaskLeaseExpired')`;

/**
 * A durable backend on one SQLite file (better-sqlite3, WAL). Every change
 * is one short statement or write transaction, so several processes can
 * share the file and request handling never waits behind a long lock.
 * Claims are leased: a running task renews its lease, and a task whose
 * process died is claimed again when its lease runs out.
 *
 * @example
 * ```ts
 * const runtime = new TaskRuntime({ backend: sqliteBackend({ path: 'tasks.db' }) });
 * ```
 */
export class SqliteBackend implements TaskBackend {
  readonly kind = 'sqlite';
  readonly durable = true;
  readonly path: string;
  readonly #db: Database.Database;
  readonly #owner = randomUUID();
  readonly #random: () => number;
  readonly #onError: (error: unknown) => void;
  readonly #pollIntervalMs: number;
  readonly #leaseMs: number;
  readonly #maxStalls: number;
  readonly #queues = new Map<string, QueueState>();
  readonly #running = new Map<string, Running>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #listeners = new Set<(record: TaskRecord) => void>();
  /** Staged by this process's handlers, not yet committed: their leases are renewed too. */
  readonly #staged = new Set<string>();
  /** Writes waiting for the end of this turn of the event loop (see `#write`). */
  readonly #inserts: PendingInsert[] = [];
  readonly #commits: string[] = [];
  #flushScheduled = false;
  /** Attempts that ended but whose final write failed (a lock held too long, a full disk): written again at each poll. */
  readonly #unsettled = new Map<string, () => void>();
  #paused = false;
  readonly #renewal: NodeJS.Timeout;
  readonly #sql: ReturnType<typeof statements>;
  readonly #retention: Retention;
  #closing: Promise<void> | undefined;
  /** The file stays open while the backend drains: what is enqueued then is kept for the next process. */
  #open = true;
  #schedules: SqliteScheduleStore | undefined;

  constructor(options: SqliteBackendOptions) {
    const busyTimeoutMs = positive('busyTimeoutMs', options.busyTimeoutMs ?? 5_000);
    this.#pollIntervalMs = positive('pollIntervalMs', options.pollIntervalMs ?? 50);
    this.#leaseMs = positive('leaseMs', options.leaseMs ?? 30_000);
    this.#maxStalls = options.maxStalls ?? 1;
    if (!Number.isInteger(this.#maxStalls) || this.#maxStalls < 0) throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', 'sqliteBackend', 'maxStalls', 'an integer >= 0', this.#maxStalls);
    this.#random = options.random ?? Math.random;
    this.#onError = options.onError ?? ((error) => process.emitWarning(error instanceof Error ? error : String(error), 'FastTsTaskStoreWarning'));
    this.path = options.path;
    this.#db = openStore(options.path, busyTimeoutMs);
    this.#sql = statements(this.#db);
    // Tasks of a process that died (or was killed past its drain) run again.
    this.#recover(undefined);
    this.#renewal = setInterval(() => this.#guard(() => this.#renew()), Math.max(1, Math.floor(this.#leaseMs / 3)));
    this.#renewal.unref();
    try {
      this.#retention = new Retention(this.#db, options.retention ?? {}, (error) => this.#report(error));
    } catch (error) {
      clearInterval(this.#renewal);
      this.#db.close();
      throw error;
    }
  }

  /** Deletes the finished records past the retention rules now (it also runs on a timer); resolves with how many. */
  purge(): Promise<number> {
    if (!this.#open) return Promise.resolve(0);
    return this.#retention.purge();
  }

  /** Cron schedules in the same file (table `fastts_schedules`, created on first use): every process on it fires each tick once. */
  get schedules(): SqliteScheduleStore {
    return (this.#schedules ??= new SqliteScheduleStore(this.#db));
  }

  /** Stored with the other writes of this turn of the event loop, in one write transaction. */
  enqueue(name: string, args: Json[], options: EnqueueOptions): Promise<TaskRecord> {
    return this.#insert(name, args, options, false);
  }

  /**
   * Writes a handler's task before its response, owned by this process under a
   * lease, so no claim takes it until `commit`. If the process dies before
   * committing, the lease runs out and the task becomes runnable: its response
   * may have reached the client, so it is run (at least once). The writes of
   * the requests handled in one turn of the event loop share one transaction
   * (group commit): the responses wait for it, a few microseconds each instead
   * of a transaction each.
   */
  stage(name: string, args: Json[], options: EnqueueOptions): Promise<TaskRecord> {
    this.#staged.add(options.id);
    return this.#insert(name, args, options, true);
  }

  /** Runnable from the next write of this process (the same turn of the event loop). */
  commit(id: string): void {
    if (!this.#staged.delete(id) || !this.#open) return;
    this.#commits.push(id);
    this.#scheduleFlush();
  }

  unstage(id: string): void {
    if (!this.#staged.delete(id) || !this.#open) return;
    const pending = this.#inserts.findIndex((insert) => insert.options.id === id);
    if (pending >= 0) {
      // Never written: dropped from the batch; its request failed, so no one waits for it.
      const [insert] = this.#inserts.splice(pending, 1);
      insert!.settle(undefined, new TaskCancelledError('its request failed before it was stored'));
      return;
    }
    this.#sql.unstage.run({ id, owner: this.#owner });
  }

  #insert(name: string, args: Json[], options: EnqueueOptions, staged: boolean): Promise<TaskRecord> {
    if (!this.#open) return Promise.resolve(toRecord(closedRow(name, args, options, Date.now())));
    return new Promise<TaskRecord>((resolve, reject) => {
      this.#inserts.push({ name, args, options, staged, settle: (record, error) => (error === undefined ? resolve(record!) : reject(error)) });
      this.#scheduleFlush();
    });
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#guard(() => this.#flush()));
  }

  /**
   * Stores the inserts and commits gathered since the last flush, in one
   * transaction. A task refused on its own (its id taken) fails alone; a
   * transaction that fails (the lock held elsewhere past the busy timeout, a
   * full disk) fails every insert of the batch, each to its caller.
   */
  #flush(): void {
    this.#flushScheduled = false;
    const inserts = this.#inserts.splice(0);
    const commits = this.#commits.splice(0);
    if (inserts.length === 0 && commits.length === 0) return;
    if (!this.#open) {
      // Added after the file closed (a watcher enqueueing during the close): refused as `enqueue` refuses then.
      for (const insert of inserts) insert.settle(toRecord(closedRow(insert.name, insert.args, insert.options, Date.now())), undefined);
      return;
    }
    const now = Date.now();
    let outcome: { rows: (TaskRow | Error)[]; committed: TaskRow[] };
    try {
      outcome = this.#sql.write.immediate(inserts, commits, now, this.#owner, now + this.#leaseMs);
    } catch (error) {
      for (const insert of inserts) {
        if (insert.staged) this.#staged.delete(insert.options.id);
        insert.settle(undefined, error);
      }
      // Commits whose write failed: the rows stay staged under the lease, which runs out, and another poll makes them runnable.
      if (commits.length > 0) this.#report(error);
      return;
    }
    const woken = new Set<string>();
    outcome.rows.forEach((row, i) => {
      const insert = inserts[i]!;
      if (row instanceof Error) {
        if (insert.staged) this.#staged.delete(insert.options.id);
        insert.settle(undefined, row);
        return;
      }
      if (insert.staged && row.state !== 'queued') this.#staged.delete(row.id);
      this.#emit(row);
      if (row.state === 'queued' && !insert.staged) woken.add(row.queue);
      insert.settle(toRecord(row), undefined);
    });
    for (const row of outcome.committed) woken.add(row.queue);
    for (const queue of woken) this.#wake(queue);
  }

  /** Stops claiming (the app drains); running tasks go on, queued ones wait in the file. */
  pause(): void {
    this.#paused = true;
  }

  async release(id: string, reason: unknown): Promise<boolean> {
    const running = this.#running.get(id);
    if (!running || !this.#open) return false;
    this.#running.delete(id);
    running.queue.active--;
    running.controller.abort(reason);
    const row = this.#sql.release.get({ id, owner: this.#owner, now: Date.now(), error: JSON.stringify(serialiseError(reason)) });
    if (row) this.#emit(row);
    return row !== undefined;
  }

  work(queue: string, worker: TaskWorker, options: { concurrency: number }): void {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', `queue '${queue}'`, 'concurrency', 'an integer >= 1', options.concurrency);
    if (this.#queues.has(queue)) throw new TaskSetupError('FASTTS_ERR_TASK_QUEUE_HAS_WORKER', queue);
    if (this.#closing) return;
    const poll = setInterval(() => this.#guard(() => this.#poll(queue)), this.#pollIntervalMs);
    this.#queues.set(queue, { name: queue, worker, concurrency: options.concurrency, active: 0, scheduled: false, poll });
    this.#guard(() => this.#poll(queue));
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    const row = this.#sql.get.get(id);
    return row && toRecord(row);
  }

  async list(filter: TaskFilter = {}): Promise<TaskRecord[]> {
    const limit = filter.limit ?? 100;
    const rows = this.#sql.list.all({
      states: filter.state === undefined ? null : JSON.stringify([filter.state].flat()),
      name: filter.name ?? null,
      queue: filter.queue ?? null,
      limit: Number.isFinite(limit) ? limit : -1,
    });
    return rows.map(toRecord);
  }

  async stats(filter: { queue?: string } = {}): Promise<Record<TaskState, number>> {
    const counts: Record<TaskState, number> = { queued: 0, running: 0, succeeded: 0, failed: 0, retrying: 0, cancelled: 0, dead: 0 };
    for (const { state, n } of this.#sql.stats.all({ queue: filter.queue ?? null })) counts[state] = n;
    return counts;
  }

  // Synchronous up to its end, as the memory backend's: the core's shutdown
  // aborts every tracked task in one loop.
  async cancel(id: string, reason: unknown = new TaskCancelledError()): Promise<boolean> {
    if (!this.#open) return false;
    const row = this.#sql.cancel.get({ id, now: Date.now(), error: JSON.stringify(serialiseError(reason)) });
    if (!row) return false;
    const running = this.#running.get(id);
    if (running) {
      this.#running.delete(id);
      running.queue.active--;
      running.controller.abort(reason);
      this.#schedule(running.queue);
    }
    this.#emit(row);
    return true;
  }

  async retry(id: string): Promise<boolean> {
    if (!this.#open) return false;
    const row = this.#sql.retry.get({ id, now: Date.now() });
    if (!row) return false;
    this.#emit(row);
    this.#wake(row.queue);
    return true;
  }

  peek(followed: readonly FollowedTask[]): PeekedTask[] {
    if (!this.#open || followed.length === 0) return [];
    const found = new Map(this.#sql.peek.all(JSON.stringify(followed.map((task) => task.id))).map((row) => [row.id, row.state]));
    const out: PeekedTask[] = [];
    for (const task of followed) {
      const state = found.get(task.id);
      if (state !== task.state) out.push({ id: task.id, state });
    }
    return out;
  }

  watch(listener: (record: TaskRecord) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Stops claiming and waits up to `drainTimeoutMs` for running tasks. Queued
   * tasks (and those enqueued meanwhile) stay in the file for the next
   * process; a task still running at the deadline sees its signal abort and
   * is queued again (its attempt counted).
   */
  close(options: { drainTimeoutMs?: number } = {}): Promise<void> {
    return (this.#closing ??= this.#close(options.drainTimeoutMs ?? 0));
  }

  async #close(drainTimeoutMs: number): Promise<void> {
    this.#guard(() => this.#flush());
    for (const queue of this.#queues.values()) clearInterval(queue.poll);
    await this.#retention.stop();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const deadline = Date.now() + drainTimeoutMs;
    while (this.#running.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    const reason = new TaskCancelledError('backend closed');
    const error = JSON.stringify(serialiseError(reason));
    for (const [id, running] of [...this.#running]) {
      this.#running.delete(id);
      running.controller.abort(reason);
      const row = this.#sql.release.get({ id, owner: this.#owner, now: Date.now(), error });
      if (row) this.#emit(row);
    }
    // Tasks of responses still being written when the drain gave up: runnable by the next process.
    this.#guard(() => this.#flush());
    for (const id of this.#staged) this.#sql.commit.get({ id, owner: this.#owner });
    this.#staged.clear();
    this.#guard(() => this.#settleAgain());
    clearInterval(this.#renewal);
    this.#open = false;
    this.#db.close();
  }

  /** Makes due retries and expired leases of `queue` runnable, then claims. */
  #poll(queue: string): void {
    if (this.#closing) return;
    if (this.#unsettled.size > 0) this.#settleAgain();
    const now = Date.now();
    for (const row of this.#sql.due.all({ queue, now })) this.#emit(row);
    this.#recover(queue);
    const state = this.#queues.get(queue);
    if (state) this.#schedule(state);
  }

  /** Tasks whose lease ran out (their process died): queued again, or dead/failed when out of attempts. */
  #recover(queue: string | undefined): void {
    const error = JSON.stringify({ name: 'TaskLeaseExpired', message: 'the process running this attempt stopped renewing its lease (it died or was killed)' });
    for (const row of this.#sql.expired.all({ queue: queue ?? null, now: Date.now(), error, self: this.#owner, maxStalls: this.#maxStalls })) this.#emit(row);
    for (const row of this.#sql.orphaned.all({ queue: queue ?? null, now: Date.now(), self: this.#owner })) this.#emit(row);
  }

  #wake(queue: string): void {
    const state = this.#queues.get(queue);
    if (state) this.#schedule(state);
  }

  // The next turn of the event loop, as the memory backend: tasks enqueued
  // together are all stored before the first is claimed, so priorities hold.
  #schedule(queue: QueueState): void {
    if (queue.scheduled) return;
    queue.scheduled = true;
    setImmediate(() => {
      queue.scheduled = false;
      this.#guard(() => this.#claim(queue));
    });
  }

  #claim(queue: QueueState): void {
    if (this.#closing || this.#paused || queue.active >= queue.concurrency) return;
    const now = Date.now();
    const rows = this.#sql.claim.all({ queue: queue.name, limit: queue.concurrency - queue.active, now, until: now + this.#leaseMs, owner: this.#owner });
    // RETURNING gives no order: start them in the order they were picked.
    rows.sort((a, b) => b.priority - a.priority || a.run_at - b.run_at || a.seq - b.seq);
    for (const row of rows) this.#start(queue, row);
  }

  #start(queue: QueueState, row: TaskRow): void {
    const controller = new AbortController();
    queue.active++;
    this.#running.set(row.id, { controller, queue, row });
    this.#emit(row);
    const claimed: ClaimedTask = {
      record: toRecord(row),
      signal: controller.signal,
      progress: (value) => {
        if (this.#running.get(row.id)?.controller !== controller) return;
        const updated = this.#sql.progress.get({ id: row.id, owner: this.#owner, progress: value });
        if (updated) this.#emit(updated);
      },
    };
    let attempt: Promise<unknown>;
    try {
      attempt = queue.worker(claimed);
    } catch (error) {
      attempt = Promise.reject(error);
    }
    attempt.then(
      (result) => this.#guard(() => this.#settle(row, controller, { ok: true, result })),
      (error: unknown) => this.#guard(() => this.#settle(row, controller, { ok: false, error })),
    );
  }

  #settle(row: TaskRow, controller: AbortController, outcome: { ok: true; result: unknown } | { ok: false; error: unknown }): void {
    const running = this.#running.get(row.id);
    // Cancelled or released while it ran: that already settled it.
    if (running?.controller !== controller) return;
    this.#running.delete(row.id);
    running.queue.active--;
    this.#schedule(running.queue);
    const write = () => this.#write(row, outcome);
    try {
      write();
    } catch (error) {
      // The row stays `running` under this process's renewed lease until a later poll writes it.
      this.#unsettled.set(row.id, write);
      throw error;
    }
  }

  /** Writes the end of an attempt: succeeded, failed, dead or retrying after its backoff. */
  #write(row: TaskRow, outcome: { ok: true; result: unknown } | { ok: false; error: unknown }): void {
    const now = Date.now();
    if (outcome.ok) {
      const done = this.#sql.succeed.get({ id: row.id, owner: this.#owner, now, result: encodeResult(outcome.result) });
      if (done) this.#emit(done);
      return;
    }
    const error = JSON.stringify(serialiseError(outcome.error));
    const retryable = isRetryable(outcome.error);
    const base = { id: row.id, owner: this.#owner, now, error };
    if (!retryable || row.attempts >= row.max_attempts) {
      const state = row.max_attempts > 1 && retryable ? 'dead' : 'failed';
      const done = this.#sql.fail.get({ ...base, state, finished: now, runAt: now });
      if (done) this.#emit(done);
      return;
    }
    const delay = backoffDelay(backoffOf(row), row.attempts, this.#random);
    const retrying = this.#sql.fail.get({ ...base, state: 'retrying', finished: null, runAt: Math.ceil(now + delay) });
    if (!retrying) return;
    this.#emit(retrying);
    // The poll would find it too; a timer runs it on time rather than up to one interval late.
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#guard(() => this.#poll(row.queue));
    }, Math.ceil(delay) + 1);
    this.#timers.add(timer);
  }

  /** Writes again the attempts whose final write failed; those that still fail wait for the next poll. */
  #settleAgain(): void {
    for (const [id, write] of [...this.#unsettled]) {
      write();
      this.#unsettled.delete(id);
    }
  }

  /** Extends the lease of every task this process runs, has staged or has yet to settle; a running one that lost it (cancelled elsewhere) is aborted. */
  #renew(): void {
    // Also while draining: the tasks still run, and another process must not take them.
    if (!this.#open || this.#running.size + this.#staged.size + this.#unsettled.size === 0) return;
    const until = Date.now() + this.#leaseMs;
    if (this.#staged.size > 0) this.#sql.renewStaged.immediate([...this.#staged], this.#owner, until);
    const lost = this.#sql.renew.immediate([...this.#running.keys(), ...this.#unsettled.keys()], this.#owner, until);
    for (const id of lost) {
      const running = this.#running.get(id);
      if (!running) continue;
      this.#running.delete(id);
      running.queue.active--;
      running.controller.abort(new TaskCancelledError('task cancelled by another process'));
      this.#schedule(running.queue);
    }
  }

  // Work started by a timer or a settled promise has no caller to throw to: an
  // error there would crash the process (or be an unhandled rejection).
  #guard(work: () => void): void {
    try {
      work();
    } catch (error) {
      this.#report(error);
    }
  }

  #report(error: unknown): void {
    try {
      this.#onError(error);
    } catch {
      // The reporter's own failure must not stop the queue either.
    }
  }

  #emit(row: TaskRow): void {
    if (this.#listeners.size === 0) return;
    const record = toRecord(row);
    for (const listener of this.#listeners) {
      try {
        listener(record);
      } catch {
        // A listener's bug must not stop the queue.
      }
    }
  }
}

/** A SQLite backend on the file at `options.path` (opened now: a bad file fails here, with a code). */
export function sqliteBackend(options: SqliteBackendOptions): SqliteBackend {
  return new SqliteBackend(options);
}

function positive(option: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', 'sqliteBackend', option, 'a finite number > 0', value);
  return value;
}

/** What `enqueue` answers once closed: a cancelled record, not stored (the file is closed). */
function closedRow(name: string, args: Json[], options: EnqueueOptions, now: number): TaskRow {
  return {
    seq: 0,
    id: options.id,
    name,
    queue: options.queue,
    args: JSON.stringify(args),
    state: 'cancelled',
    priority: options.priority,
    attempts: 0,
    max_attempts: options.maxAttempts,
    backoff: JSON.stringify(options.backoff),
    dedupe_key: null,
    run_at: now,
    locked_until: null,
    owner: null,
    created_at: now,
    started_at: null,
    finished_at: now,
    progress: null,
    result: null,
    error: JSON.stringify({ name: 'TaskCancelledError', message: 'backend closed' }),
    history: '[]',
    duplicate_of: null,
    request_id: options.requestId ?? null,
    route: options.route ?? null,
  };
}

/** Every statement, prepared once. */
function statements(db: Database.Database) {
  const insertOrNothing = db.prepare<Record<string, unknown>, TaskRow>(`
    INSERT INTO fastts_tasks (id, name, queue, args, state, priority, max_attempts, backoff, dedupe_key, run_at, created_at, finished_at, error, duplicate_of, request_id, route, owner, locked_until)
    VALUES (@id, @name, @queue, @args, @state, @priority, @maxAttempts, @backoff, @dedupeKey, @runAt, @now, @finished, @error, @duplicateOf, @requestId, @route, @owner, @until)
    ON CONFLICT (id) DO NOTHING
    RETURNING *`);
  const original = db.prepare<[string, string], { id: string }>(`SELECT id FROM fastts_tasks WHERE name = ? AND dedupe_key = ? AND state IN ${pending} ORDER BY seq LIMIT 1`);
  const renewOne = db.prepare<[number, string, string]>("UPDATE fastts_tasks SET locked_until = ? WHERE id = ? AND owner = ? AND state = 'running'");
  const renewStagedOne = db.prepare<[number, string, string]>("UPDATE fastts_tasks SET locked_until = ? WHERE id = ? AND owner = ? AND state = 'queued'");
  const commitMany = db.prepare<{ ids: string; owner: string }, TaskRow>(`
    UPDATE fastts_tasks SET owner = NULL, locked_until = NULL
    WHERE id IN (SELECT value FROM json_each(@ids)) AND owner = @owner AND state = 'queued'
    RETURNING *`);
  // `owner`, `until`: a staged task (not claimable until committed). Inside the batch's transaction.
  const insertOne = (name: string, args: Json[], options: EnqueueOptions, now: number, owner: string | null, until: number | null): TaskRow => {
    const duplicateOf = options.dedupeKey === undefined ? undefined : original.get(name, options.dedupeKey)?.id;
    const row = insertOrNothing.get({
      id: options.id,
      name,
      queue: options.queue,
      args: JSON.stringify(args),
      state: duplicateOf === undefined ? 'queued' : 'cancelled',
      priority: options.priority,
      maxAttempts: options.maxAttempts,
      backoff: JSON.stringify(options.backoff),
      dedupeKey: duplicateOf === undefined ? (options.dedupeKey ?? null) : null,
      now,
      runAt: options.runAt ?? now,
      owner: duplicateOf === undefined ? owner : null,
      until: duplicateOf === undefined ? until : null,
      finished: duplicateOf === undefined ? null : now,
      error: duplicateOf === undefined ? null : JSON.stringify({ name: 'Duplicate', message: `duplicate of task ${duplicateOf}` }),
      duplicateOf: duplicateOf ?? null,
      requestId: options.requestId ?? null,
      route: options.route ?? null,
    });
    // The unique index answers instead of a lookup first: nothing inserted means the id is taken.
    if (row === undefined) throw new TaskSetupError('FASTTS_ERR_TASK_ID_TAKEN', options.id);
    return row;
  };
  return {
    // One write transaction for a batch: each insert's id and dedupe checks see the rows before it.
    write: db.transaction((inserts: readonly PendingInsert[], commits: readonly string[], now: number, owner: string, until: number) => {
      const rows = inserts.map((insert): TaskRow | Error => {
        try {
          return insertOne(insert.name, insert.args, insert.options, now, insert.staged ? owner : null, insert.staged ? until : null);
        } catch (error) {
          return error instanceof Error ? error : new Error(String(error));
        }
      });
      const committed = commits.length === 0 ? [] : commitMany.all({ ids: JSON.stringify(commits), owner });
      return { rows, committed };
    }),
    get: db.prepare<[string], TaskRow>('SELECT * FROM fastts_tasks WHERE id = ?'),
    peek: db.prepare<[string], { id: string; state: TaskState }>('SELECT id, state FROM fastts_tasks WHERE id IN (SELECT value FROM json_each(?))'),
    list: db.prepare<{ states: string | null; name: string | null; queue: string | null; limit: number }, TaskRow>(`
      SELECT * FROM fastts_tasks
      WHERE (@states IS NULL OR state IN (SELECT value FROM json_each(@states)))
        AND (@name IS NULL OR name = @name) AND (@queue IS NULL OR queue = @queue)
      ORDER BY seq DESC LIMIT @limit`),
    stats: db.prepare<{ queue: string | null }, { state: TaskState; n: number }>('SELECT state, count(*) AS n FROM fastts_tasks WHERE @queue IS NULL OR queue = @queue GROUP BY state'),
    // The claim: one statement, so one short write transaction, however many rows it takes.
    claim: db.prepare<{ queue: string; limit: number; now: number; until: number; owner: string }, TaskRow>(`
      UPDATE fastts_tasks SET state = 'running', attempts = attempts + 1, started_at = @now, locked_until = @until, owner = @owner,
        history = json_insert(history, '$[#]', json_object('attempt', attempts + 1, 'startedAt', @now))
      WHERE seq IN (SELECT seq FROM fastts_tasks WHERE queue = @queue AND state = 'queued' AND owner IS NULL AND run_at <= @now ORDER BY priority DESC, run_at, seq LIMIT @limit)
      RETURNING *`),
    due: db.prepare<{ queue: string; now: number }, TaskRow>(`
      UPDATE fastts_tasks SET state = 'queued' WHERE queue = @queue AND state = 'retrying' AND run_at <= @now RETURNING *`),
    // A staged task of a process that died: runnable (its response may have been sent), its attempt not counted.
    orphaned: db.prepare<{ queue: string | null; now: number; self: string }, TaskRow>(`
      UPDATE fastts_tasks SET owner = NULL, locked_until = NULL
      WHERE (@queue IS NULL OR queue = @queue) AND state = 'queued' AND owner IS NOT NULL AND locked_until < @now AND owner IS NOT @self
      RETURNING *`),
    commit: db.prepare<{ id: string; owner: string }, TaskRow>(`
      UPDATE fastts_tasks SET owner = NULL, locked_until = NULL WHERE id = @id AND owner = @owner AND state = 'queued' RETURNING *`),
    unstage: db.prepare<{ id: string; owner: string }>("DELETE FROM fastts_tasks WHERE id = @id AND owner = @owner AND state = 'queued'"),
    // Never this process's own tasks: it knows they run, and its renewal was only late (a blocked event loop).
    // Out of attempts, a task still gets `maxStalls` more for the deaths of its processes (the
    // task did not fail; its process did), as BullMQ's stalled-job count. It keeps its place (`run_at`).
    expired: db.prepare<{ queue: string | null; now: number; error: string; self: string; maxStalls: number }, TaskRow>(`
      UPDATE fastts_tasks SET
        state = CASE WHEN attempts < max_attempts OR ${stalls} < @maxStalls THEN 'queued' WHEN max_attempts > 1 THEN 'dead' ELSE 'failed' END,
        finished_at = CASE WHEN attempts < max_attempts OR ${stalls} < @maxStalls THEN NULL ELSE @now END,
        locked_until = NULL, owner = NULL, error = json(@error),
        history = json_set(history, '$[#-1].finishedAt', @now, '$[#-1].error', json(@error))
      WHERE (@queue IS NULL OR queue = @queue) AND state = 'running' AND owner IS NOT NULL AND locked_until < @now AND owner IS NOT @self
      RETURNING *`),
    // Shutdown past its deadline: what was interrupted runs again in the next process, keeping its
    // place. The process chose to stop it, so the attempt is not counted (it stays in the history).
    release: db.prepare<{ id: string; owner: string; now: number; error: string }, TaskRow>(`
      UPDATE fastts_tasks SET
        state = 'queued', attempts = attempts - 1, locked_until = NULL, owner = NULL, error = json(@error),
        history = json_set(history, '$[#-1].finishedAt', @now, '$[#-1].error', json(@error))
      WHERE id = @id AND owner = @owner AND state = 'running'
      RETURNING *`),
    progress: db.prepare<{ id: string; owner: string; progress: number }, TaskRow>(`
      UPDATE fastts_tasks SET progress = @progress WHERE id = @id AND owner = @owner AND state = 'running' RETURNING *`),
    succeed: db.prepare<{ id: string; owner: string; now: number; result: string | null }, TaskRow>(`
      UPDATE fastts_tasks SET state = 'succeeded', result = @result, error = NULL, finished_at = @now, locked_until = NULL, owner = NULL,
        history = json_set(history, '$[#-1].finishedAt', @now)
      WHERE id = @id AND owner = @owner AND state = 'running'
      RETURNING *`),
    fail: db.prepare<{ id: string; owner: string; now: number; error: string; state: TaskState; finished: number | null; runAt: number }, TaskRow>(`
      UPDATE fastts_tasks SET state = @state, error = json(@error), finished_at = @finished, run_at = @runAt, locked_until = NULL, owner = NULL,
        history = json_set(history, '$[#-1].finishedAt', @now, '$[#-1].error', json(@error))
      WHERE id = @id AND owner = @owner AND state = 'running'
      RETURNING *`),
    cancel: db.prepare<{ id: string; now: number; error: string }, TaskRow>(`
      UPDATE fastts_tasks SET state = 'cancelled', error = json(@error), finished_at = @now, locked_until = NULL, owner = NULL,
        history = CASE WHEN state = 'running' THEN json_set(history, '$[#-1].finishedAt', @now) ELSE history END
      WHERE id = @id AND state IN ${pending}
      RETURNING *`),
    retry: db.prepare<{ id: string; now: number }, TaskRow>(`
      UPDATE fastts_tasks SET state = 'queued', attempts = 0, error = NULL, finished_at = NULL, run_at = @now
      WHERE id = @id AND state IN ('failed', 'dead', 'cancelled') AND duplicate_of IS NULL
      RETURNING *`),
    /** Renews the leases of `ids`; returns those this process no longer holds. */
    renew: db.transaction((ids: string[], owner: string, until: number): string[] => ids.filter((id) => renewOne.run(until, id, owner).changes === 0)),
    renewStaged: db.transaction((ids: string[], owner: string, until: number): void => {
      for (const id of ids) renewStagedOne.run(until, id, owner);
    }),
  };
}
