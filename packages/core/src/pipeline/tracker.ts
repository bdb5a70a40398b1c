import { BackgroundTask, BackgroundTasks, type Background } from '../background.js';
import { NO_ERROR } from '../di/solve.js';
import { randomUUID } from 'node:crypto';
import type { Request } from '../http/request.js';

/**
 * The background work of one request: the injected BackgroundTasks first,
 * then the returned Response's own `background`. Lists are read live, so a
 * task added while the tasks run (even by a running task) still runs, as in
 * Starlette.
 */
export class BackgroundRun implements Tracked {
  readonly route: string;
  // Created on first use: most tasks never look at their signal, and an
  // AbortController per request is measurable on the background path.
  #controller: AbortController | undefined;
  // Only the id is kept, not the Request: a run outlives its response, and
  // holding node's request and response objects that long costs GC time.
  #requestId: string | undefined;
  readonly #sources: Background[];
  #source = 0;
  #index = 0;
  /** How many tasks of each list had run when the run moved past it. */
  readonly #taken: number[] = [];
  current: BackgroundTask | undefined = undefined;
  /** The response is done ('close' after 'finish', or the client left). */
  closed = false;
  /** The writer has returned (a stream is closed). */
  written = false;
  started = false;
  /** The response failed: its tasks must not run. */
  skipTasks = false;
  /** Error to hand to dependency cleanups (a response that failed mid-write). */
  error: unknown = NO_ERROR;

  constructor(route: string, request: Request, sources: Background[]) {
    this.route = route;
    this.#requestId = request.knownId();
    this.#sources = sources;
  }

  /** The request's id; one nobody has seen yet is generated only when asked for. */
  get requestId(): string {
    return (this.#requestId ??= randomUUID());
  }

  next(): BackgroundTask | undefined {
    while (this.#source < this.#sources.length) {
      const source = this.#sources[this.#source]!;
      if (source instanceof BackgroundTask) {
        this.#source++;
        return (this.current = source);
      }
      const task = source.tasks[this.#index++];
      if (task) return (this.current = task);
      this.#taken[this.#source] = source.tasks.length;
      this.#source++;
      this.#index = 0;
    }
    return (this.current = undefined);
  }

  /** Tasks added to a list after the run had moved past it (e.g. in cleanup code): they never run. */
  lateTasks(): BackgroundTask[] {
    let late: BackgroundTask[] | undefined;
    for (let s = 0; s < this.#sources.length; s++) {
      const source = this.#sources[s];
      const taken = this.#taken[s];
      if (source instanceof BackgroundTasks && taken !== undefined && source.tasks.length > taken) (late ??= []).push(...source.tasks.slice(taken));
    }
    return late ?? NONE;
  }

  /** Aborted when `close()` gives up on this run. */
  get signal(): AbortSignal {
    return (this.#controller ??= new AbortController()).signal;
  }

  abort(reason: unknown): void {
    (this.#controller ??= new AbortController()).abort(reason);
  }

  /** The running task and every task not started yet. */
  pendingNames(): string[] {
    const names = this.current ? [this.current.name] : [];
    for (let s = this.#source; s < this.#sources.length; s++) {
      const source = this.#sources[s]!;
      if (source instanceof BackgroundTask) {
        if (source !== this.current) names.push(source.name);
      } else {
        for (const task of source.tasks.slice(s === this.#source ? this.#index : 0)) names.push(task.name);
      }
    }
    return names;
  }
}

const NONE: BackgroundTask[] = [];

/** Work the tracker waits for: a request's background run, or work a task runtime registered. */
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

/**
 * Knows which requests still have work after their response: background
 * tasks and dependency cleanups. `close()` waits on it, and test clients use
 * `idle()` to assert side effects right after a call.
 */
export class BackgroundTracker {
  readonly #runs = new Set<Tracked>();
  #waiters: (() => void)[] = [];
  /** Recent failures, newest last (bounded), for test clients. */
  readonly failures: TaskFailure[] = [];

  begin(run: Tracked): void {
    this.#runs.add(run);
  }

  end(run: Tracked): void {
    this.#runs.delete(run);
    if (this.#runs.size === 0 && this.#waiters.length > 0) {
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const wake of waiters) wake();
    }
  }

  recordFailure(failure: TaskFailure): void {
    this.failures.push(failure);
    if (this.failures.length > 1000) this.failures.shift();
  }

  get size(): number {
    return this.#runs.size;
  }

  /** Resolves once no request has background work left. */
  idle(): Promise<void> {
    if (this.#runs.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  pendingNames(): string[] {
    return [...this.#runs].flatMap((run) => run.pendingNames());
  }

  abortAll(reason: unknown): void {
    for (const run of this.#runs) run.abort(reason);
  }
}

export function backgroundSources(injected: BackgroundTasks | undefined, own: Background | undefined): Background[] {
  const sources: Background[] = [];
  if (injected && injected.size > 0) sources.push(injected);
  // A handler may attach the injected instance to its Response itself; run it once.
  if (own && own !== injected) sources.push(own);
  return sources;
}

/** A task the test client collected instead of running (`app.backgroundMode = 'collect'`). */
export interface CollectedTask {
  name: string;
  args: unknown[];
  route: string;
  requestId: string;
}

/** How the core treats background tasks: run them (default), or, for tests, collect or skip them. */
export interface BackgroundSettings {
  mode: 'run' | 'collect' | 'skip';
  collected: CollectedTask[];
}
