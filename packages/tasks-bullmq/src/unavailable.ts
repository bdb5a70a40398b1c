import { format } from 'node:util';
import { HTTPException } from '@fastts/core';
import { taskErrorCodes, type TaskErrorCode } from '@fastts/tasks';

const [template, status] = taskErrorCodes.FASTTS_ERR_TASK_BACKEND_UNAVAILABLE;

/**
 * Redis did not answer (down, restarting, unreachable). An HTTPException, so
 * `addTask` in a handler answers 503 with `Retry-After` through the core's
 * default handler: the task was not stored, and the client knows to try again.
 */
export class TaskBackendUnavailableError extends HTTPException {
  readonly code: TaskErrorCode = 'FASTTS_ERR_TASK_BACKEND_UNAVAILABLE';

  constructor(kind: string, cause: unknown) {
    super(status, format(template, kind, cause instanceof Error ? cause.message : String(cause)), { 'retry-after': '1' });
    this.name = 'TaskBackendUnavailableError';
    this.cause = cause;
  }
}
