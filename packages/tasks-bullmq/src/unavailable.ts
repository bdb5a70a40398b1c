import { HTTPException } from '@fastts/core';

/**
 * Redis did not answer (down, restarting, unreachable). An HTTPException, so
 * `addTask` in a handler answers 503 with `Retry-After` through the core's
 * default handler: the task was not stored, and the client knows to try again.
 */
export class TaskBackendUnavailableError extends HTTPException {
  readonly code = 'FASTTS_ERR_TASK_BACKEND_UNAVAILABLE';

  constructor(kind: string, cause: unknown) {
    super(503, `the task backend (${kind}) is unreachable: ${cause instanceof Error ? cause.message : String(cause)}; try again later`, { 'retry-after': '1' });
    this.name = 'TaskBackendUnavailableError';
    this.cause = cause;
  }
}
