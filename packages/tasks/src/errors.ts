import { format } from 'node:util';
import { HTTPException } from '@fastts/core';

/**
 * Every error @fastts/tasks raises: code → [message template, status], the
 * shape of @fastts/core's `errorCodes`. docs/errors.md lists both tables, core's
 * first (core cannot import this package, so the table lives here).
 */
export const taskErrorCodes = {
  FASTTS_ERR_TASK_ARGUMENTS: ["arguments of task '%s' rejected: %s", 500],
  FASTTS_ERR_TASK_TIMEOUT: ["task '%s' timed out after %d ms", 500],
  FASTTS_ERR_TASK_CANCELLED: ['%s', 500],
  FASTTS_ERR_TASK_NON_RETRYABLE: ['%s', 500],
  FASTTS_ERR_TASK_FAILED: ["task '%s' (%s) ended %s: %s", 500],
  FASTTS_ERR_TASK_NAME: ['a task needs a non-empty name, got %O', 500],
  FASTTS_ERR_TASK_NOT_A_FUNCTION: ["task '%s' needs a function, got %s", 500],
  FASTTS_ERR_TASK_OPTION: ['%s: option %s must be %s, got %O', 500],
  FASTTS_ERR_TASK_OFFLOAD_DEPENDENCIES: ["task '%s' cannot be offloaded: its dependencies live on the main thread", 500],
  FASTTS_ERR_TASK_OFFLOAD_TYPESCRIPT: ["task '%s' is offloaded to %s, TypeScript source a worker thread cannot load: build first, or use offload: 'inline' in tests", 500],
  FASTTS_ERR_TASK_NO_EXPORT: ["%s has no exported function '%s'", 500],
  FASTTS_ERR_TASK_NAME_TAKEN: ["two different tasks are named '%s'", 500],
  FASTTS_ERR_TASK_UNKNOWN: ["no task named '%s' is registered with this runtime", 500],
  FASTTS_ERR_TASK_NOT_ATTACHED: ['attach the task runtime to an app first: runtime.attach(app)', 500],
  FASTTS_ERR_TASK_RUNTIME_ATTACHED: ['a task runtime serves one app', 500],
  FASTTS_ERR_TASK_APP_HAS_RUNTIME: ['this app already has a task runtime (attach it before any task is added)', 500],
  FASTTS_ERR_TASK_OUTSIDE_APP: ["task '%s' runs in a fastts app: add it with tasks.addTask in a handler, or use runtime.enqueue", 500],
  FASTTS_ERR_TASK_DEPENDENCY_NOT_CALLABLE: ["dependency '%s' of %s is not a function or class", 500],
  FASTTS_ERR_TASK_DEPENDENCIES_OUTSIDE_TASK: ['%s declares dependencies: run it as a task, where they can be solved', 500],
  FASTTS_ERR_TASK_ID_TAKEN: ['task id %s is already taken', 500],
  FASTTS_ERR_TASK_QUEUE_HAS_WORKER: ["queue '%s' already has a worker", 500],
  FASTTS_ERR_TASK_QUEUE_FULL: ["task queue '%s' is full (%d tasks waiting); try again later", 503],
  FASTTS_ERR_TASK_STORE_CORRUPT: ['task store %s is not a SQLite database, or is damaged: %s', 500],
  FASTTS_ERR_TASK_STORE_LOCKED: ['task store %s is locked by another connection (still busy after %d ms): %s', 500],
  FASTTS_ERR_TASK_STORE_READ_ONLY: ['task store %s cannot be written: %s', 500],
  FASTTS_ERR_TASK_STORE_OPEN: ['task store %s cannot be opened: %s', 500],
  FASTTS_ERR_TASK_CRON: ["schedule '%s': invalid cron pattern %O: %s", 500],
  FASTTS_ERR_TASK_SCHEDULE_TAKEN: ["a schedule named '%s' is already running in this runtime", 500],
  FASTTS_ERR_TASK_SCHEDULE_CLOSED: ["schedule '%s' cannot start: its app is shutting down, or its task runtime is closed", 500],
  FASTTS_ERR_TASK_WORKER_NOT_DURABLE: ["a worker process needs a durable backend: the '%s' backend keeps its tasks in the process that enqueued them", 500],
  FASTTS_ERR_TASK_WORKER_NO_TASKS: ['a worker process needs task definitions: pass them as definitions, or register them with the runtime', 500],
  FASTTS_ERR_TASK_WORKER_MODULE: ['%s: %s', 500],
  FASTTS_ERR_TASK_BACKEND_UNAVAILABLE: ['the task backend (%s) is unreachable: %s; try again later', 503],
} as const satisfies Record<string, readonly [string, number]>;

export type TaskErrorCode = keyof typeof taskErrorCodes;

/** The message of `code` with `args` in its template. */
export function taskMessage(code: TaskErrorCode, ...args: unknown[]): string {
  return format(taskErrorCodes[code][0], ...args);
}

/**
 * Errors of the task runtime. Each has a stable `code` and `status` from
 * `taskErrorCodes`; `retryable: false` tells any backend not to try the task
 * again (BullMQ's UnrecoverableError, Celery's Reject).
 */
export class TaskError extends Error {
  readonly code: TaskErrorCode;
  readonly status: number;
  readonly retryable: boolean;

  constructor(code: TaskErrorCode, args: readonly unknown[], retryable: boolean, options?: ErrorOptions) {
    super(taskMessage(code, ...args), options);
    this.name = new.target.name;
    this.code = code;
    this.status = taskErrorCodes[code][1];
    this.retryable = retryable;
  }
}

/** Arguments given to `addTask`/`enqueue` that cannot travel: not JSON-safe, or not valid for the task's model. */
export class TaskArgumentsError extends TaskError {
  readonly task: string;
  readonly problems: string[];

  constructor(task: string, problems: string[]) {
    super('FASTTS_ERR_TASK_ARGUMENTS', [task, problems.join('; ')], false);
    this.task = task;
    this.problems = problems;
  }
}

/** An attempt ran longer than the task's `timeoutMs`; its signal was aborted. Retried if attempts remain. */
export class TaskTimeoutError extends TaskError {
  constructor(task: string, timeoutMs: number) {
    super('FASTTS_ERR_TASK_TIMEOUT', [task, timeoutMs], true);
  }
}

/** The task was cancelled (`runtime.cancel(id)`, `DELETE /tasks/{id}`, or shutdown). */
export class TaskCancelledError extends TaskError {
  constructor(message = 'task cancelled') {
    super('FASTTS_ERR_TASK_CANCELLED', [message], false);
  }
}

/**
 * Throw it from a task to fail at once, without the remaining attempts
 * (a payment declined, an address that does not exist).
 *
 * @example
 * ```ts
 * if (!user) throw new NonRetryableError(`user ${id} is gone`);
 * ```
 */
export class NonRetryableError extends TaskError {
  constructor(message: string, options?: ErrorOptions) {
    super('FASTTS_ERR_TASK_NON_RETRYABLE', [message], false, options);
  }
}

/** A task definition, runtime or backend was set up or used wrongly (bad options, a name used twice, no runtime). Never retried. */
export class TaskSetupError extends TaskError {
  constructor(code: TaskErrorCode, ...args: unknown[]) {
    super(code, args, false);
  }
}

/** `handle.result()` of a task that did not succeed. */
export class TaskFailedError extends TaskError {
  readonly taskId: string;
  readonly state: string;

  constructor(taskId: string, name: string, state: string, message: string | undefined) {
    super('FASTTS_ERR_TASK_FAILED', [name, taskId, state, message ?? 'no error was recorded'], false);
    this.taskId = taskId;
    this.state = state;
  }
}

/**
 * A queue holds `maxQueued` tasks waiting already. An HTTPException, so
 * `addTask` in a handler answers 503 with `Retry-After` through the core's
 * default handler, and the client (who would otherwise hold the id of a task
 * that can never run) knows to come back.
 */
export class TaskQueueFullError extends HTTPException {
  readonly code: TaskErrorCode = 'FASTTS_ERR_TASK_QUEUE_FULL';
  readonly queue: string;
  readonly waiting: number;

  constructor(queue: string, waiting: number, retryAfterSeconds: number) {
    super(taskErrorCodes.FASTTS_ERR_TASK_QUEUE_FULL[1], taskMessage('FASTTS_ERR_TASK_QUEUE_FULL', queue, waiting), { 'retry-after': String(retryAfterSeconds) });
    this.name = 'TaskQueueFullError';
    this.queue = queue;
    this.waiting = waiting;
  }
}

/** Whether a backend may run the task again after this error. */
export function isRetryable(error: unknown): boolean {
  return !(typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === false);
}
