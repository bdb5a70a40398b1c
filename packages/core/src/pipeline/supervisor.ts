import type { BackgroundTask } from '../background.js';
import type { App } from '../app.js';
import type { Logger } from '../logger.js';
import { BackgroundRun } from './after-response.js';
import { safeError } from './untrusted.js';

/** Work the supervisor waits for: a request's background run, or work a task runtime registered. */
export interface Tracked {
  /** Names of the tasks still running or waiting, for shutdown reports. */
  pendingNames(): string[];
  /** Asks the work to stop (its tasks see their AbortSignal fire). */
  abort(reason: unknown): void;
}

/** A failed background task, as reported to `onTaskError` and logs. */
export interface TaskFailure {
  error: unknown;
  task: string;
  route: string;
  requestId: string;
}

export type TaskErrorInfo = Omit<TaskFailure, 'error'>;

/**
 * How the app treats each background task when its turn comes: run it (the
 * default), or, installed by a test client, record it or skip it. Returns
 * what the task returns (a promise is awaited before the next task).
 */
export type TaskRunner = (task: BackgroundTask, run: BackgroundRun) => unknown;

const runTask: TaskRunner = (task, run) => task.run(run);

/**
 * Supervises everything an app does outside its handlers: it counts the
 * requests still being handled, keeps the runs of background tasks and
 * cleanups that follow responses, and the work task runtimes register; it
 * reports failed tasks; `close()` waits on it, and test clients use `idle()`
 * to assert side effects right after a call.
 */
export class BackgroundSupervisor {
  readonly app: App;
  readonly logger: Logger;
  /** Recent failures, newest last (bounded), for test clients. */
  readonly failures: TaskFailure[] = [];
  /** Installed by `@fastts/testing` for its collect and skip modes (see `@fastts/core/extend`). */
  runTask: TaskRunner = runTask;
  // Request runs are linked through their own fields: under load thousands
  // are pending at once, and a Set of them (old-generation storage pointing
  // at young objects) costs every scavenge. Work registered with `track()` is
  // rare and goes in a Set.
  #head: BackgroundRun | undefined = undefined;
  #runCount = 0;
  /** Requests between dispatch and the moment their run (if any) is tracked. */
  #inFlight = 0;
  readonly #others = new Set<Tracked>();
  #waiters: (() => void)[] = [];
  readonly #onTaskError: ((error: unknown, info: TaskErrorInfo) => unknown) | undefined;

  constructor(app: App, logger: Logger, onTaskError: ((error: unknown, info: TaskErrorInfo) => unknown) | undefined) {
    this.app = app;
    this.logger = logger;
    this.#onTaskError = onTaskError;
  }

  /** A request entered the pipeline: `idle()` waits for its handler, then for its background. */
  requestStarted(): void {
    this.#inFlight++;
  }

  /** The request's response has been handed to node, and its run (if any) is tracked. */
  requestEnded(): void {
    this.#inFlight--;
    if (this.#inFlight === 0) this.#wakeIfIdle();
  }

  begin(work: Tracked): void {
    if (!(work instanceof BackgroundRun)) {
      this.#others.add(work);
      return;
    }
    if (work.tracked) return;
    work.tracked = true;
    work.trackedNext = this.#head;
    if (this.#head !== undefined) this.#head.trackedPrev = work;
    this.#head = work;
    this.#runCount++;
  }

  end(work: Tracked): void {
    if (!(work instanceof BackgroundRun)) this.#others.delete(work);
    else if (work.tracked) {
      work.tracked = false;
      const { trackedPrev: prev, trackedNext: next } = work;
      if (prev === undefined) this.#head = next;
      else prev.trackedNext = next;
      if (next !== undefined) next.trackedPrev = prev;
      work.trackedPrev = work.trackedNext = undefined;
      this.#runCount--;
    }
    this.#wakeIfIdle();
  }

  #wakeIfIdle(): void {
    if (this.#waiters.length === 0 || !this.#isIdle()) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  #isIdle(): boolean {
    return this.#inFlight === 0 && this.#runCount === 0 && this.#others.size === 0;
  }

  /** Background runs and tracked work still pending (requests in their handler not counted). */
  get size(): number {
    return this.#runCount + this.#others.size;
  }

  /** Requests whose handler has not finished yet. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Resolves once no request is in its handler and none has background work left. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #all(): Tracked[] {
    const all: Tracked[] = [...this.#others];
    for (let run = this.#head; run !== undefined; run = run.trackedNext) all.push(run);
    return all;
  }

  pendingNames(): string[] {
    return this.#all().flatMap((work) => {
      try {
        return work.pendingNames();
      } catch {
        return ['(unnamed)'];
      }
    });
  }

  abortAll(reason: unknown): void {
    for (const work of this.#all()) {
      try {
        work.abort(reason);
      } catch (err) {
        this.logError(err, {}, 'aborting background work failed');
      }
    }
  }

  /** A task the app will not run: tell it, so a task runtime can settle its handle. */
  discard(task: BackgroundTask, reason: 'handler-failed' | 'collected' | 'skipped'): void {
    try {
      task.discard(reason);
    } catch (err) {
      this.logError(err, { task: task.name }, 'discarding a task failed');
    }
  }

  /**
   * Reports a failed background task: logs it with its name, route and
   * request id, keeps it in `failures` and calls `onTaskError`. Never throws,
   * whatever was thrown (a revoked Proxy, a throwing `message` getter): such a
   * value is replaced by a FastTsError that describes it. Returns the error as
   * reported.
   */
  reportTaskError(failure: TaskFailure): unknown {
    const error = safeError(failure.error);
    const reported = error === failure.error ? failure : { ...failure, error };
    const { error: _, ...info } = reported;
    this.logError(error, info, 'background task failed');
    this.failures.push(reported);
    if (this.failures.length > 1000) this.failures.shift();
    const hook = this.#onTaskError;
    if (hook === undefined) return error;
    try {
      const result = hook(error, info);
      if (result instanceof Promise) result.catch((err) => this.logError(err, info, 'onTaskError hook failed'));
    } catch (err) {
      this.logError(err, info, 'onTaskError hook failed');
    }
    return error;
  }

  /** Logs an error at error level; a value the logger cannot serialise is described instead. */
  logError(error: unknown, fields: object, message: string): void {
    try {
      this.logger.error({ err: safeError(error), ...fields }, message);
    } catch (failure) {
      try {
        this.logger.error({ ...fields, err: String(safeError(failure)) }, `${message} (and logging it failed)`);
      } catch {
        // A logger that throws on every call: nothing left to report with.
      }
    }
  }
}
