/**
 * Everything @fastts/tasks reads of a fastts app, in one file: the core's
 * task-factory protocol, the app behind an `addTask` origin or a run context
 * (typed `unknown` by the core today), and the app services the runtime uses
 * (logger, `track`, `reportTaskError`, `onClose`, `createScope`). When the
 * core gives sibling packages a typed entry and a per-app extension slot,
 * this is the file that changes.
 */
import { App, kCreateTask, type DependencyScope, type Logger, type TaskFactory, type TaskFailure, type TaskOrigin, type TaskRunContext } from '@fastts/core';

export { App, kCreateTask, type TaskFactory, type TaskOrigin, type TaskRunContext };

/** The fastts app an injected BackgroundTasks or a task run belongs to; undefined for a BackgroundTasks built by hand. */
export function appOf(from: TaskOrigin | TaskRunContext | undefined): App | undefined {
  const app = from?.app;
  return app instanceof App ? app : undefined;
}

/** What the runtime uses of the app it serves. */
export interface TaskHost {
  readonly app: App;
  readonly logger: Logger;
  /** Registers pending work, so `backgroundIdle()` and `close({ drainTimeoutMs })` wait for it and name it. */
  track(pendingNames: () => string[], abort: (reason: unknown) => void): { end(): void };
  /** The core's one report of a failed task: log, `app.taskFailures`, test clients, the app's `onTaskError`. */
  reportTaskError(failure: TaskFailure): void;
  /** A dependency scope outside any request. */
  createScope(label: string): DependencyScope;
  /** Called once the app's own drain is over. */
  onClose(hook: () => unknown): void;
}

export function hostOf(app: App): TaskHost {
  return {
    app,
    get logger() {
      return app.logger;
    },
    track: (pendingNames, abort) => app.track({ pendingNames, abort }),
    reportTaskError: (failure) => app.reportTaskError(failure),
    createScope: (label) => app.createScope(label),
    onClose: (hook) => void app.onClose(hook),
  };
}

/** One value per app (the task runtime): a WeakMap until the core has a typed extension slot. */
export class AppSlot<T extends object> {
  readonly #values = new WeakMap<App, T>();

  get(app: App): T | undefined {
    return this.#values.get(app);
  }

  set(app: App, value: T): void {
    this.#values.set(app, value);
  }

  /** Empties the slot if it still holds `value`. */
  clear(app: App, value: T): void {
    if (this.#values.get(app) === value) this.#values.delete(app);
  }
}
