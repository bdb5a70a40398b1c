import type { Json } from './args.js';
import type { BackoffOptions } from './backoff.js';
import type { ScheduleStore } from './schedule-store.js';

/**
 * Where a task is in its life:
 *
 * ```
 * queued → running → succeeded
 *             ↓ ↑ (attempts left, after the backoff delay)
 *           retrying
 *             ↓
 * failed (one attempt allowed, or a non-retryable error) · dead (every attempt failed)
 * cancelled (from queued, retrying or running)
 * ```
 */
export type TaskState = 'queued' | 'running' | 'succeeded' | 'failed' | 'retrying' | 'cancelled' | 'dead';

export const taskStates: readonly TaskState[] = ['queued', 'running', 'succeeded', 'failed', 'retrying', 'cancelled', 'dead'];

/** States a task never leaves by itself (`retry(id)` can requeue a failed, dead or cancelled one). */
export function isFinished(state: TaskState): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'cancelled' || state === 'dead';
}

/** How a task goes into a backend. Everything here is plain data, so a durable backend can store it. */
export interface EnqueueOptions {
  /** The task's id, chosen by the runtime (a handle exists before the task is enqueued). */
  id: string;
  /**
   * The runtime generated `id` for this task (time and 74 random bits), so no
   * stored task can hold it: a backend may skip checking that it is free.
   * Unset for ids chosen by a caller (a schedule's tick), which are checked.
   */
  freshId?: boolean;
  queue: string;
  /** Higher runs sooner; equal priorities run in enqueue order. */
  priority: number;
  maxAttempts: number;
  backoff: BackoffOptions;
  /** While a task with the same name and key is queued, retrying or running, another one is not run. */
  dedupeKey?: string;
  /** The request that added the task, for logs and failure reports. */
  requestId?: string;
  route?: string;
  /** Not runnable before this time (epoch ms): a delayed task. */
  runAt?: number;
}

/** A serialised error, as a backend keeps it. */
export interface TaskErrorInfo {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

/** One attempt: when it ran and how it ended. */
export interface AttemptInfo {
  attempt: number;
  startedAt: Date;
  finishedAt?: Date;
  error?: TaskErrorInfo;
}

/** What a backend knows about one task. Snapshots: changing one changes nothing. */
export interface TaskRecord<R = unknown> {
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  readonly args: Json[];
  readonly state: TaskState;
  readonly priority: number;
  /** Attempts started so far. */
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly createdAt: Date;
  /** Start of the latest attempt. */
  readonly startedAt?: Date;
  readonly finishedAt?: Date;
  /** When a `retrying` or delayed `queued` task becomes runnable. */
  readonly runAt?: Date;
  /** The latest value given to `progress(n)`. */
  readonly progress?: number;
  readonly result?: R;
  /** The latest error (of the last attempt, or the reason of a cancel). */
  readonly error?: TaskErrorInfo;
  readonly history: readonly AttemptInfo[];
  /** Set on a task not run because another with its dedupe key was pending. */
  readonly duplicateOf?: string;
  readonly requestId?: string;
  readonly route?: string;
}

/** A task a worker is running. */
export interface ClaimedTask {
  readonly record: TaskRecord;
  /** Aborted when the task is cancelled. */
  readonly signal: AbortSignal;
  progress(value: number): void;
}

/**
 * Runs one attempt. Resolving means success (the value is the result);
 * rejecting means failure, retried unless the error says `retryable: false`.
 */
export type TaskWorker = (task: ClaimedTask) => Promise<unknown>;

export interface TaskFilter {
  state?: TaskState | readonly TaskState[];
  name?: string;
  queue?: string;
  /** Newest first; default 100. */
  limit?: number;
}

/**
 * Storage and scheduling of tasks: the queue, priorities, concurrency,
 * retries with backoff, dedupe, and every task's record. The runtime keeps
 * the rest (what a task name runs, timeouts, scopes, offload, reporting), so
 * a durable backend (SQLite on one machine; BullMQ or pg-boss beyond one) is
 * another implementation of this interface and user code does not change.
 *
 * Only named tasks with JSON arguments ever reach a backend: `defineTask`
 * refuses other argument types at compile time and at enqueue time.
 */
export interface TaskBackend {
  readonly kind: string;
  /** Tasks survive a restart. A durable backend's queued tasks are not abandoned at shutdown: they wait for the next process. */
  readonly durable: boolean;
  /** Stores a task and returns its record; a duplicate comes back `cancelled`, with `duplicateOf`. */
  enqueue(name: string, args: Json[], options: EnqueueOptions): Promise<TaskRecord>;
  /** Claims tasks of `queue` (highest priority, then oldest), at most `concurrency` at a time, and runs them with `worker`. */
  work(queue: string, worker: TaskWorker, options: { concurrency: number }): void;
  get(id: string): Promise<TaskRecord | undefined>;
  list(filter?: TaskFilter): Promise<TaskRecord[]>;
  /** Cancels a queued, retrying or running task (its signal is aborted with `reason`). False if there is none, or it has finished. */
  cancel(id: string, reason?: unknown): Promise<boolean>;
  /** Queues a failed, dead or cancelled task again, with its attempts reset. */
  retry(id: string): Promise<boolean>;
  /** Tasks by state, of one queue when `filter.queue` is given. */
  stats(filter?: { queue?: string }): Promise<Record<TaskState, number>>;
  /** Calls `listener` with a snapshot on every state change (and progress); returns the unsubscribe function. */
  watch(listener: (record: TaskRecord) => void): () => void;
  /** Stops claiming, waits up to `drainTimeoutMs` for running tasks, then cancels what is left. */
  close(options?: { drainTimeoutMs?: number }): Promise<void>;
  /** Where cron schedules keep their next run, shared by the processes on this backend; the runtime keeps them in memory without it. */
  readonly schedules?: ScheduleStore;

  // A durable backend implements the rest. The runtime calls them from the request's
  // lifecycle and from the app's drain; a memory backend has nothing to keep.

  /**
   * Writes a task added in a handler: kept (a process that dies from here on
   * does not lose it) but not runnable until `commit`. Resolves once stored;
   * the core writes the response only then, and a rejection fails the request.
   * A duplicate comes back `cancelled`, as from `enqueue`.
   */
  stage?(name: string, args: Json[], options: EnqueueOptions): Promise<TaskRecord>;
  /** Makes a staged task runnable (its response was written). */
  commit?(id: string): void;
  /** Forgets a staged task its request dropped (the handler failed). */
  unstage?(id: string): void;
  /** Stops claiming queued tasks; running ones go on (the app's drain has begun). */
  pause?(): void;
  /**
   * Hands a task this process is running back to the queue, its attempt
   * counted and its signal aborted with `reason` (the drain's deadline passed:
   * another process runs it again). False if it is not running here.
   */
  release?(id: string, reason: unknown): Promise<boolean>;
  /**
   * The followed tasks whose stored state is no longer the one given, for
   * tasks whose changes another process makes (`watch` reports this process's
   * only); `state` undefined: no longer stored. For a task whose record is
   * wanted, a backend that reads it with the state returns it too, and the
   * runtime does not `get` it. One cheap query per call.
   */
  peek?(followed: readonly FollowedTask[]): PeekedTask[] | Promise<PeekedTask[]>;
}

/** A task the runtime follows in a durable store: its queue, and the state it last saw. */
export interface FollowedTask {
  readonly id: string;
  readonly queue: string;
  readonly state: TaskState;
  /** Something waits on the task's handle: a change needs its record, not only its state. */
  readonly wantsRecord: boolean;
}

/** A followed task whose state changed (see `TaskBackend.peek`). */
export interface PeekedTask {
  id: string;
  state: TaskState | undefined;
  record?: TaskRecord;
}
