/**
 * Errors of the task runtime. Each has a stable `code`; `retryable: false`
 * tells any backend not to try the task again (BullMQ's UnrecoverableError,
 * Celery's Reject).
 */
export class TaskError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, retryable: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.retryable = retryable;
  }
}

/** Arguments given to `addTask`/`enqueue` that cannot travel: not JSON-safe, or not valid for the task's model. */
export class TaskArgumentsError extends TaskError {
  readonly task: string;
  readonly problems: string[];

  constructor(task: string, problems: string[]) {
    super('FASTTS_TASKS_ERR_ARGUMENTS', `arguments of task '${task}' rejected: ${problems.join('; ')}`, false);
    this.task = task;
    this.problems = problems;
  }
}

/** An attempt ran longer than the task's `timeoutMs`; its signal was aborted. Retried if attempts remain. */
export class TaskTimeoutError extends TaskError {
  constructor(task: string, timeoutMs: number) {
    super('FASTTS_TASKS_ERR_TIMEOUT', `task '${task}' timed out after ${timeoutMs} ms`, true);
  }
}

/** The task was cancelled (`runtime.cancel(id)`, `DELETE /tasks/{id}`, or shutdown). */
export class TaskCancelledError extends TaskError {
  constructor(message = 'task cancelled') {
    super('FASTTS_TASKS_ERR_CANCELLED', message, false);
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
    super('FASTTS_TASKS_ERR_NON_RETRYABLE', message, false, options);
  }
}

/** A task definition or runtime was set up wrongly (bad options, a name used twice, no runtime). */
export class TaskSetupError extends TaskError {
  constructor(message: string) {
    super('FASTTS_TASKS_ERR_SETUP', message, false);
  }
}

/** `handle.result()` of a task that did not succeed. */
export class TaskFailedError extends TaskError {
  readonly taskId: string;
  readonly state: string;

  constructor(taskId: string, name: string, state: string, message: string | undefined) {
    super('FASTTS_TASKS_ERR_FAILED', `task '${name}' (${taskId}) ended ${state}${message ? `: ${message}` : ''}`, false);
    this.taskId = taskId;
    this.state = state;
  }
}

/** Whether a backend may run the task again after this error. */
export function isRetryable(error: unknown): boolean {
  return !(typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === false);
}
