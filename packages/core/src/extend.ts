/**
 * @module
 * The seam for packages that extend fastts (`@fastts/tasks`, `@fastts/testing`,
 * `@fastts/openapi`, your own): task factories, route and model
 * introspection, background supervision, server errors, and a typed slot per
 * app for a package's own state. What application code writes is exported by
 * `@fastts/core`; this entry is for library authors.
 */
import { appInternals, type App } from './app.js';
import type { BackgroundTask } from './background.js';
import type { Request } from './http/request.js';
import type { BackgroundRun } from './pipeline/after-response.js';
import type { TaskFailure, TaskRunner, Tracked } from './pipeline/supervisor.js';

export { BackgroundTask, kCreateTask, type TaskFactory, type TaskOrigin, type TaskRunContext } from './background.js';
export { compileUnrouted, type RouteInfo } from './compile.js';
export type { Tracked, TaskFailure, TaskRunner, TaskErrorInfo } from './pipeline/supervisor.js';
export type { BackgroundRun, RunState } from './pipeline/after-response.js';
export {
  describeRoute,
  describeModel,
  isModelClass,
  type RouteDescription,
  type ParameterDescription,
  type BodyDescription,
  type BodyFieldDescription,
  type ModelDescription,
  type ModelFieldDescription,
} from './introspect.js';

/**
 * A typed place for one package's state on an app (a task runtime, a docs
 * cache), instead of a WeakMap of its own or an `unknown` field on the app.
 *
 * @example
 * ```ts
 * const runtimes = new AppSlot<TaskRuntime>('tasks');
 * runtimes.set(app, runtime);
 * runtimes.get(app); // TaskRuntime | undefined
 * ```
 */
export class AppSlot<T> {
  readonly #key: symbol;

  constructor(name: string) {
    this.#key = Symbol(name);
  }

  get(app: App): T | undefined {
    return appInternals(app).slots.get(this.#key) as T | undefined;
  }

  set(app: App, value: T): void {
    appInternals(app).slots.set(this.#key, value);
  }

  delete(app: App): boolean {
    return appInternals(app).slots.delete(this.#key);
  }
}

/**
 * Lets the app wait for work it did not start itself (a task runtime's
 * queue): `backgroundIdle()` and `close()` wait for it, and `close()` aborts
 * it at its deadline and names it among the abandoned tasks.
 */
export function trackWork(app: App, work: Tracked): { end(): void } {
  const supervisor = appInternals(app).supervisor;
  supervisor.begin(work);
  return { end: () => supervisor.end(work) };
}

/**
 * Reports a background task that failed outside the core's hands (a named
 * task whose retries ran out): logged with its name, route and request id,
 * kept in `app.taskFailures`, passed to `onTaskError`. Never throws.
 */
export function reportTaskError(app: App, failure: TaskFailure): void {
  appInternals(app).supervisor.reportTaskError(failure);
}

/**
 * Replaces how the app runs each background task when its turn comes (a
 * test client's collect and skip modes); `undefined` restores running them.
 */
export function setTaskRunner(app: App, runner: TaskRunner | undefined): void {
  const supervisor = appInternals(app).supervisor;
  supervisor.runTask = runner ?? ((task, run: BackgroundRun) => task.run(run));
}

/** A task the app will not run (the runner collects or skips it): settles its handle. */
export function discardTask(app: App, task: BackgroundTask, reason: 'collected' | 'skipped'): void {
  appInternals(app).supervisor.discard(task, reason);
}

/**
 * Calls `hook` when `close()` starts, before it waits for anything: work that
 * would otherwise keep the drain busy stops taking more (a durable task
 * runtime stops claiming queued tasks, which wait in the store for the next
 * process). Synchronous; a throwing hook is logged.
 */
export function onDrainStart(app: App, hook: () => void): void {
  appInternals(app).drainHooks.push(hook);
}

/** Told of an error that ended a request in a 500; `request` is undefined when no route could run (compile failure). */
export type ServerErrorListener = (error: unknown, request: Request | undefined) => void;

/**
 * Calls `listener` with every error that ends a request in a 500 (unhandled,
 * or handled by a handler for `Error` or 500) and with a route that failed to
 * compile, as FastAPI's TestClient re-raises them. Returns the unsubscribe.
 */
export function onServerError(app: App, listener: ServerErrorListener): () => void {
  const listeners = appInternals(app).serverErrors;
  listeners.add(listener);
  return () => void listeners.delete(listener);
}
