import type { DependencyScope } from '@fastts/core';
import type { ClaimedTask } from './backend.js';
import { bindLogger, runInTask, type TaskContext } from './context.js';
import type { TaskHost } from './core-seam.js';
import { TaskSetupError, TaskTimeoutError } from './errors.js';
import type { LagMonitor } from './lag-monitor.js';
import type { OffloadPool } from './offload-pool.js';
import type { TaskSpec } from './spec.js';

/** What an attempt needs from the runtime that owns it. */
export interface AttemptEnvironment {
  definition(name: string): TaskSpec | undefined;
  host(): TaskHost;
  readonly pool: OffloadPool | undefined;
  lag(): LagMonitor | undefined;
}

/**
 * Runs one attempt of a task the backend claimed (the backend's worker
 * callback): with its timeout, on a worker thread when offloaded, otherwise
 * in process with `currentTask()` set and a dependency scope of its own.
 */
export class AttemptRunner {
  readonly #env: AttemptEnvironment;

  constructor(env: AttemptEnvironment) {
    this.#env = env;
  }

  async run(claimed: ClaimedTask): Promise<unknown> {
    const { record } = claimed;
    const definition = this.#env.definition(record.name);
    if (!definition) throw new TaskSetupError('FASTTS_ERR_TASK_UNKNOWN', record.name);
    const timeout = definition.timeoutMs === undefined ? undefined : new AbortController();
    const timer = timeout && setTimeout(() => timeout.abort(new TaskTimeoutError(record.name, definition.timeoutMs!)), definition.timeoutMs);
    const signal = timeout ? AbortSignal.any([claimed.signal, timeout.signal]) : claimed.signal;
    try {
      const pool = this.#env.pool;
      if (definition.offload && pool) return await pool.runTask(definition.name, definition.offload, record.args, signal);
      return await this.#inProcess(definition, claimed, signal);
    } finally {
      clearTimeout(timer);
    }
  }

  async #inProcess(definition: TaskSpec, claimed: ClaimedTask, signal: AbortSignal): Promise<unknown> {
    const host = this.#env.host();
    const lag = this.#env.lag();
    const { record } = claimed;
    let scope: DependencyScope | undefined;
    const context: TaskContext = {
      id: record.id,
      name: record.name,
      queue: record.queue,
      attempt: record.attempts,
      maxAttempts: record.maxAttempts,
      signal,
      idempotencyKey: `fastts-task-${record.id}`,
      requestId: record.requestId,
      route: record.route,
      logger: bindLogger(host.logger, { task: record.name, taskId: record.id, attempt: record.attempts, requestId: record.requestId }),
      progress: (value) => claimed.progress(value),
      use: (dependency) => (scope ??= host.createScope(`task ${record.name}`)).resolve(dependency),
    };
    const call = (): Promise<unknown> => {
      try {
        return Promise.resolve(definition.fn(...definition.decode(record.args)));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    lag?.enter(record.id, record.name);
    const running = runInTask(context, () => (lag ? lag.run(record.id, record.name, call) : call()));
    const outcome = running.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    const settled = await untilAborted(outcome, signal);
    lag?.leave(record.id);
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
