import type { Json } from './args.js';
import { kCreateTask, type TaskOrigin } from './core-seam.js';
import { TaskSetupError } from './errors.js';
import type { TaskHandle } from './handle.js';
import { NamedBackgroundTask } from './named-task.js';
import type { PreparedArgs, TaskSpec } from './spec.js';

/**
 * A task definition whose tasks wait before they may run: `definition.delay(ms)`
 * (from when the task is added) or `definition.at(date)`. Everything else is
 * the definition's: it registers, retries and reports as the definition.
 */
export class DelayedTask<A extends unknown[], R> implements TaskSpec<A, R> {
  readonly base: TaskSpec<A, R>;
  readonly #runAt: () => number;

  constructor(base: TaskSpec<A, R>, runAt: () => number) {
    this.base = base;
    this.#runAt = runAt;
  }

  get name(): string {
    return this.base.name;
  }
  get fn(): (...args: A) => unknown {
    return this.base.fn;
  }
  get maxAttempts(): number {
    return this.base.maxAttempts;
  }
  get backoff() {
    return this.base.backoff;
  }
  get timeoutMs(): number | undefined {
    return this.base.timeoutMs;
  }
  get priority(): number {
    return this.base.priority;
  }
  get queue(): string {
    return this.base.queue;
  }
  get runOn(): 'success' | 'always' {
    return this.base.runOn;
  }
  get offload() {
    return this.base.offload;
  }
  get models() {
    return this.base.models;
  }

  [kCreateTask](args: A, origin?: TaskOrigin): NamedBackgroundTask<A, R> & { readonly handle: TaskHandle<R> } {
    return new NamedBackgroundTask(this, args, origin);
  }

  prepare(args: A): PreparedArgs {
    return { ...this.base.prepare(args), runAt: this.#runAt() };
  }

  decode(payload: readonly Json[]): A {
    return this.base.decode(payload);
  }
}

/** `delay(ms)`: runnable `ms` after the task is added. */
export function delayedBy<A extends unknown[], R>(base: TaskSpec<A, R>, ms: number): DelayedTask<A, R> {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', `task '${base.name}'`, 'delay', 'a finite number of milliseconds >= 0', ms);
  return new DelayedTask(base, () => Date.now() + ms);
}

/** `at(date)`: runnable from `date` (at once if it has passed). */
export function delayedUntil<A extends unknown[], R>(base: TaskSpec<A, R>, date: Date | number): DelayedTask<A, R> {
  const at = date instanceof Date ? date.getTime() : date;
  if (typeof at !== 'number' || !Number.isFinite(at)) throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', `task '${base.name}'`, 'at', 'a valid Date or epoch milliseconds', date);
  return new DelayedTask(base, () => at);
}
