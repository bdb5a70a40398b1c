/**
 * Everything @fastts/tasks reads of a fastts app, in one file: the core's
 * task-factory protocol and the app behind an `addTask` origin or a run
 * context (both from `@fastts/core/extend`, core's typed entry for sibling
 * packages), the app services the runtime uses, and the runtime's per-app
 * slot.
 */
import { App, type AppOptions, type DependencyScope, type Logger, type TaskFailure } from '@fastts/core';
import { AppSlot as CoreAppSlot, kCreateTask, onDrainStart, reportTaskError, trackWork, type TaskFactory, type TaskOrigin, type TaskRunContext } from '@fastts/core/extend';

export { kCreateTask, type App, type TaskFactory, type TaskOrigin, type TaskRunContext };

/** The fastts app an injected BackgroundTasks or a task run belongs to; undefined for a BackgroundTasks built by hand. */
export function appOf(from: TaskOrigin | TaskRunContext | undefined): App | undefined {
  return from?.app;
}

/** An app that never listens: the host of a worker process's task runtime (its logger, dependency scopes and drain). */
export function bareApp(options?: AppOptions): App {
  return new App(options);
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
  /** Called when `close()` starts, before the drain waits. */
  onDrainStart(hook: () => void): void;
  /** Called once the app's own drain is over. */
  onClose(hook: () => unknown): void;
}

export function hostOf(app: App): TaskHost {
  return {
    app,
    get logger() {
      return app.logger;
    },
    track: (pendingNames, abort) => trackWork(app, { pendingNames, abort }),
    reportTaskError: (failure) => reportTaskError(app, failure),
    createScope: (label) => app.createScope(label),
    onDrainStart: (hook) => onDrainStart(app, hook),
    onClose: (hook) => void app.onClose(hook),
  };
}

/** One value per app (the task runtime), kept in the app's typed extension slot. */
export class AppSlot<T extends object> {
  readonly #slot: CoreAppSlot<T>;

  constructor(name = 'fastts.tasks') {
    this.#slot = new CoreAppSlot<T>(name);
  }

  get(app: App): T | undefined {
    return this.#slot.get(app);
  }

  set(app: App, value: T): void {
    this.#slot.set(app, value);
  }

  /** Empties the slot if it still holds `value`. */
  clear(app: App, value: T): void {
    if (this.#slot.get(app) === value) this.#slot.delete(app);
  }
}
