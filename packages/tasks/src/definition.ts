import { decodeArgs, encodeArgs, type Json, type JsonArgs, type ModelClass } from './args.js';
import { resolveBackoff, type BackoffOptions } from './backoff.js';
import { kCreateTask, type TaskOrigin } from './core-seam.js';
import { TaskSetupError } from './errors.js';
import { delayedBy, delayedUntil, type DelayedTask } from './delayed.js';
import { declaredDependencies } from './inject.js';
import { NamedBackgroundTask } from './named-task.js';
import type { OffloadTarget } from './offload-pool.js';
import type { PreparedArgs, TaskSpec } from './spec.js';

export type { PreparedArgs } from './spec.js';

export interface TaskOptions<A extends unknown[] = unknown[], M extends readonly (ModelClass | undefined)[] = readonly (ModelClass | undefined)[]> {
  /** Attempts in all, the first included. Default 1 (no retry, as FastAPI). */
  maxAttempts?: number;
  /** Delay between attempts. Default exponential from 1 s, at most 60 s, with jitter. */
  backoff?: Partial<BackoffOptions>;
  /** Each attempt's time limit: its signal is aborted and the attempt fails with TaskTimeoutError. */
  timeoutMs?: number;
  /** Higher runs sooner within its queue. Default 0. */
  priority?: number;
  /** The queue whose concurrency limit applies (see the runtime's `queues`). Default `default`. */
  queue?: string;
  /** While a task of this name with the same key is queued, retrying or running, a new one is not run. */
  dedupeKey?: (...args: A) => string;
  /**
   * `success` (default, FastAPI's rule): dropped when the handler fails.
   * `always`: enqueued after the error response too (an audit entry, a cleanup).
   */
  runOn?: 'success' | 'always';
  /**
   * Run on a worker thread. `module` is the URL of a JavaScript module
   * exporting the function under `export` (default: the function's name);
   * usually `new URL('./jobs/resize.js', import.meta.url)` beside the compiled code.
   */
  offload?: { module: string | URL; export?: string };
  /**
   * class-validator models by argument position (`[Message]`, `[undefined, Order]`):
   * checked at enqueue, instances again when the task runs. A position with a
   * model may have methods; the others must be JSON-safe.
   */
  models?: M;
}

/**
 * A named task: what to run and how (attempts, backoff, timeout, priority,
 * queue, dedupe, offload). `tasks.addTask(definition, ...args)` enqueues it
 * after the response and returns a TaskHandle. Create one with `defineTask`.
 */
export class TaskDefinition<A extends unknown[] = any[], R = unknown> implements TaskSpec<A, R> {
  readonly name: string;
  readonly fn: (...args: A) => unknown;
  readonly maxAttempts: number;
  readonly backoff: BackoffOptions;
  readonly timeoutMs: number | undefined;
  readonly priority: number;
  readonly queue: string;
  readonly runOn: 'success' | 'always';
  readonly offload: OffloadTarget | undefined;
  readonly models: readonly (ModelClass | undefined)[];
  readonly #dedupeKey: ((...args: A) => string) | undefined;

  constructor(name: string, fn: (...args: A) => unknown, options: TaskOptions<A> = {}) {
    if (typeof name !== 'string' || name.length === 0) throw new TaskSetupError('FASTTS_ERR_TASK_NAME', name);
    if (typeof fn !== 'function') throw new TaskSetupError('FASTTS_ERR_TASK_NOT_A_FUNCTION', name, typeof fn);
    this.name = name;
    this.fn = fn;
    this.maxAttempts = positiveInteger(name, 'maxAttempts', options.maxAttempts ?? 1);
    this.backoff = resolveBackoff(options.backoff, name);
    this.timeoutMs = options.timeoutMs === undefined ? undefined : positiveInteger(name, 'timeoutMs', options.timeoutMs);
    this.priority = options.priority ?? 0;
    if (typeof this.priority !== 'number' || !Number.isFinite(this.priority)) throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', `task '${name}'`, 'priority', 'a finite number', this.priority);
    this.queue = options.queue ?? 'default';
    this.runOn = options.runOn ?? 'success';
    if (this.runOn !== 'success' && this.runOn !== 'always') throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', `task '${name}'`, 'runOn', "'success' or 'always'", this.runOn);
    this.models = options.models ?? [];
    this.#dedupeKey = options.dedupeKey;
    this.offload = options.offload && offloadTarget(name, fn, options.offload);
  }

  [kCreateTask](args: A, origin?: TaskOrigin): NamedBackgroundTask<A, R> {
    return new NamedBackgroundTask(this, args, origin);
  }

  /** Checks the arguments (JSON-safe, models valid) and computes the dedupe key; throws TaskArgumentsError. */
  prepare(args: A): PreparedArgs {
    const payload = encodeArgs(this.name, args, this.models);
    return { payload, dedupeKey: this.#dedupeKey?.(...args) };
  }

  /** The arguments the function receives, from their stored form. */
  decode(payload: readonly Json[]): A {
    return decodeArgs(payload, this.models) as A;
  }

  /**
   * This task, runnable `ms` after it is added: `tasks.addTask(sendReminder.delay(3_600_000), email)`.
   * With a durable backend the wait survives restarts.
   */
  delay(ms: number): DelayedTask<A, R> {
    return delayedBy(this, ms);
  }

  /** This task, runnable from `date`: `runtime.enqueue(report.at(new Date('2027-01-01T09:00:00Z')))`. */
  at(date: Date | number): DelayedTask<A, R> {
    return delayedUntil(this, date);
  }
}

/**
 * Defines a named task. Its arguments must survive JSON (checked by the
 * compiler and again when the task is added), because a task may run on a
 * worker thread or, with a durable backend, in another process.
 *
 * @example
 * ```ts
 * export const sendEmail = defineTask('send-email', async (to: string, subject: string) => {
 *   await smtp.send(to, subject, { signal: currentTask()?.signal });
 * }, { maxAttempts: 5, backoff: { type: 'exponential', delayMs: 500 }, timeoutMs: 10_000 });
 *
 * // in a handler
 * const handle = tasks.addTask(sendEmail, 'ada@example.com', 'Welcome');
 * ```
 */
export function defineTask<A extends unknown[], R, const M extends readonly (ModelClass | undefined)[] = []>(
  name: string,
  fn: ((...args: A) => R) & JsonArgs<A, M>,
  options?: TaskOptions<A, M>,
): TaskDefinition<A, Awaited<R>> {
  return new TaskDefinition<A, Awaited<R>>(name, fn as (...args: A) => R, options as TaskOptions<A> | undefined);
}

function positiveInteger(task: string, key: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', `task '${task}'`, key, 'an integer >= 1', value);
  return value;
}

function offloadTarget(task: string, fn: Function, offload: { module: string | URL; export?: string }): OffloadTarget {
  if (declaredDependencies(fn)) throw new TaskSetupError('FASTTS_ERR_TASK_OFFLOAD_DEPENDENCIES', task);
  const module = offload.module instanceof URL ? offload.module.href : offload.module;
  if (typeof module !== 'string' || !module.startsWith('file:')) {
    throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', `task '${task}'`, 'offload.module', "a file: URL (new URL('./jobs/x.js', import.meta.url))", module);
  }
  const exportName = offload.export ?? fn.name;
  if (!exportName) throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', `task '${task}'`, 'offload.export', 'the name of the export to call (the function has none)', exportName);
  return { module, exportName };
}
