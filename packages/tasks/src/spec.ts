import type { Json, ModelClass } from './args.js';
import type { BackoffOptions } from './backoff.js';
import type { TaskFactory } from './core-seam.js';
import type { TaskHandle } from './handle.js';
import type { OffloadTarget } from './offload-pool.js';

/** A task's arguments, ready for a backend. */
export interface PreparedArgs {
  payload: Json[];
  dedupeKey: string | undefined;
  /** Not runnable before this time (epoch ms): set by `definition.delay(ms)` and `definition.at(date)`. */
  runAt?: number;
}

/**
 * What the runtime needs of a task definition. `TaskDefinition` implements it;
 * the runtime and `NamedBackgroundTask` see only this, so the definition can
 * build named tasks without the runtime depending on it in return.
 */
export interface TaskSpec<A extends unknown[] = any[], R = unknown> extends TaskFactory<A, TaskHandle<R>> {
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
  /** Checks the arguments (JSON-safe, models valid) and computes the dedupe key; throws TaskArgumentsError. */
  prepare(args: A): PreparedArgs;
  /** The arguments the function receives, from their stored form. */
  decode(payload: readonly Json[]): A;
  /** Set on a variant of a definition (`delay`, `at`): the definition the runtime registers. */
  readonly base?: TaskSpec<A, R>;
}
