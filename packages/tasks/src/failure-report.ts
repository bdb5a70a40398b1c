import type { TaskRecord } from './backend.js';
import type { TaskHost } from './core-seam.js';
import type { TaskFailureInfo, TaskRuntimeOptions } from './runtime-options.js';

/**
 * Reports each task that failed for good exactly once: to the core (log,
 * `app.taskFailures`, test clients, the app's `onTaskError`) and to the
 * runtime's `onTaskError`, with the error object the task threw when this
 * process ran it.
 */
export class FailureReport {
  /** The error object each failing task last threw, so reports carry the real error. */
  readonly #errors = new Map<string, unknown>();
  readonly #hook: TaskRuntimeOptions['onTaskError'];

  constructor(hook: TaskRuntimeOptions['onTaskError']) {
    this.#hook = hook;
  }

  remember(id: string, error: unknown): void {
    this.#errors.set(id, error);
  }

  forget(id: string): void {
    this.#errors.delete(id);
  }

  report(host: TaskHost, record: TaskRecord): void {
    // A record from a backend (another process's attempt): rebuilt from what it kept.
    const error = this.#errors.get(record.id) ?? Object.assign(new Error(record.error?.message ?? `task ended ${record.state}`), { name: record.error?.name ?? 'Error' });
    const info: TaskFailureInfo = { task: record.name, taskId: record.id, state: record.state as 'failed' | 'dead', attempts: record.attempts, route: record.route, requestId: record.requestId };
    host.reportTaskError({ error, task: record.name, route: record.route ?? 'tasks', requestId: record.requestId ?? record.id });
    const hook = this.#hook;
    if (!hook) return;
    try {
      const result = hook(error, info);
      if (result instanceof Promise) result.catch((err: unknown) => host.logger.error({ err, ...info }, 'onTaskError hook failed'));
    } catch (err) {
      host.logger.error({ err, ...info }, 'onTaskError hook failed');
    }
  }
}
