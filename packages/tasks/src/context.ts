import { AsyncLocalStorage } from 'node:async_hooks';
import { childLogger, type Logger, type Provided } from '@fastts/core';

/** What a running task knows about itself; `currentTask()` returns it anywhere inside the task's code. */
export interface TaskContext {
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Aborted on cancel, on timeout, and at the shutdown deadline. */
  readonly signal: AbortSignal;
  /**
   * The same for every attempt of this task, in any process: give it to the
   * services the task calls (an `Idempotency-Key` header, a unique column), so
   * an attempt run again after a crash does not do its work twice.
   */
  readonly idempotencyKey: string;
  /** The request that added the task (undefined for `runtime.enqueue` outside a request). */
  readonly requestId: string | undefined;
  readonly route: string | undefined;
  /** The app's logger, bound to the task's name, id, attempt and request id. */
  readonly logger: Logger;
  /** Records progress (any number, e.g. a percentage) on the task's record. */
  progress(value: number): void;
  /** Solves a dependency in the task's own scope: created for this attempt, cleaned up when it ends. */
  use<D extends Function>(dependency: D): Promise<Provided<D>>;
}

const storage = new AsyncLocalStorage<TaskContext>();

/**
 * The task whose code is running, or undefined outside any task. Works
 * through awaits and in helpers the task calls, without passing anything.
 *
 * @example
 * ```ts
 * export async function sendEmail(to: string) {
 *   const task = currentTask();
 *   task?.logger.info({ to }, 'sending');
 *   await smtp.send(to, { signal: task?.signal });
 * }
 * ```
 */
export function currentTask(): TaskContext | undefined {
  return storage.getStore();
}

/** Runs `fn` with `context` as the current task. */
export function runInTask<T>(context: TaskContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** A child logger when the logger has `child` (pino), else one that adds the bindings to each call. */
export function bindLogger(logger: Logger, bindings: Record<string, unknown>): Logger {
  return childLogger(logger, bindings);
}
