import type { TaskBackend } from './backend.js';
import type { OffloadOptions } from './offload-pool.js';

export interface QueueOptions {
  /** Tasks of the queue running at once. */
  concurrency: number;
  /**
   * Tasks of the queue waiting at most (queued, or retrying after a failed
   * attempt). Past it, `addTask` and `runtime.enqueue` throw
   * `TaskQueueFullError` (a 503 with `Retry-After` from a handler) and
   * `runtime.enqueueWhenRoom` waits. Default 10 000.
   */
  maxQueued: number;
  /** `Retry-After` of the 503 a full queue answers, in seconds. Default 1. */
  retryAfterSeconds: number;
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
  /** Per-queue settings; queues not listed get `concurrency` and the defaults. */
  queues?: Record<string, Partial<QueueOptions>>;
  /**
   * Run tasks in this process. Default true. `false` for an HTTP process that
   * only enqueues into a durable backend while worker processes (`runWorker`)
   * run the tasks.
   */
  work?: boolean;
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
  /** The handle's id was chosen by the caller, not by `taskId()`: the backend checks it is free. */
  ownId?: boolean;
}
