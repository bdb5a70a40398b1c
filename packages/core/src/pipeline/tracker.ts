import { randomUUID } from 'node:crypto';
import { BackgroundTask, BackgroundTasks, type Background, type TaskRunContext } from '../background.js';
import { NO_ERROR, runCleanups, type RequestContext } from '../di/solve.js';
import type { Request } from '../http/request.js';
import type { Logger } from '../logger.js';
import { adopt, isThenable } from '../internal/thenable.js';

/** What a run needs from the app's pipeline. */
export interface RunHost {
  app: unknown;
  background: BackgroundSettings;
  tracker: BackgroundTracker;
  logger: Logger;
  reportTaskError(failure: TaskFailure): void;
}

const CLOSED = 1;
const WRITTEN = 2;
const STARTED = 4;
const SKIP_TASKS = 8;
const TRACKED = 16;

/** What a run needs only now and then: kept apart, so the common run stays small. */
class RunExtras {
  // Created on first use: most tasks never look at their signal, and an
  // AbortController per request is measurable on the background path.
  controller: AbortController | undefined = undefined;
  /** Error to hand to dependency cleanups (a response that failed mid-write, or the first failed task). */
  error: unknown = NO_ERROR;
  /**
   * How many tasks each list held when the run moved past it (-1: not yet),
   * to warn of tasks added too late. Kept only when code can still run after
   * the run has moved past a list: tasks of a second list, or cleanups.
   */
  taken0 = -1;
  taken1 = -1;
  constructor(
    /** The request context, kept only when it has dependency cleanups or uploads. */
    readonly leftovers: RequestContext | undefined,
  ) {}
}

/**
 * The background work of one request: the injected BackgroundTasks first,
 * then the returned Response's own `background`, then the dependency
 * cleanups. Lists are read live, so a task added while the tasks run (even by
 * a running task) still runs, as in Starlette.
 *
 * The run drives itself: tasks are called in a loop, and only a task that
 * returns a promise suspends it until that promise settles. Thousands of runs
 * can be pending at once (tasks awaiting I/O under load) and the garbage
 * collector copies each one that outlives a scavenge, so a run is kept small:
 * no async frame, no arrays, no closures (two bound functions while a task
 * is pending), rare fields in a side record, and it is itself the context
 * handed to each task.
 */
export class BackgroundRun implements Tracked, TaskRunContext {
  readonly route: string;
  readonly #host: RunHost;
  // Only the id is kept, not the Request: a run outlives its response, and
  // holding node's request and response objects that long costs GC time.
  #requestId: string | undefined;
  // At most two sources: the injected tasks, then the response's own.
  readonly #first: Background | undefined;
  readonly #second: Background | undefined;
  #extras: RunExtras | undefined;
  /** 0: first source, 1: second, 2: done. */
  #source = 0;
  #index = 0;
  #flags = 0;
  #current: BackgroundTask | undefined = undefined;
  /** Links in the tracker's list of pending runs. */
  trackedPrev: BackgroundRun | undefined = undefined;
  trackedNext: BackgroundRun | undefined = undefined;

  constructor(host: RunHost, route: string, request: Request, injected: BackgroundTasks | undefined, own: Background | undefined, leftovers: RequestContext | undefined) {
    this.#host = host;
    this.route = route;
    this.#requestId = request.knownId();
    const first = injected !== undefined && injected.size > 0 ? injected : undefined;
    // A handler may attach the injected instance to its Response itself; run it once.
    const second = own !== undefined && own !== injected ? own : undefined;
    this.#first = first ?? second;
    this.#second = first === undefined ? undefined : second;
    this.#extras = leftovers === undefined && this.#second === undefined ? undefined : new RunExtras(leftovers);
  }

  /** The request's id; one nobody has seen yet is generated only when asked for. */
  get requestId(): string {
    return (this.#requestId ??= randomUUID());
  }

  get app(): unknown {
    return this.#host.app;
  }

  /** Aborted when `close()` gives up on this run. */
  get signal(): AbortSignal {
    return this.#controller().signal;
  }

  abort(reason: unknown): void {
    this.#controller().abort(reason);
  }

  #controller(): AbortController {
    const extras = (this.#extras ??= new RunExtras(undefined));
    return (extras.controller ??= new AbortController());
  }

  /** Error to hand to dependency cleanups (a response that failed mid-write, or the first failed task). */
  get error(): unknown {
    return this.#extras === undefined ? NO_ERROR : this.#extras.error;
  }

  set error(error: unknown) {
    (this.#extras ??= new RunExtras(undefined)).error = error;
  }

  /** In the tracker's list (the tracker sets it). */
  get tracked(): boolean {
    return (this.#flags & TRACKED) !== 0;
  }

  set tracked(on: boolean) {
    this.#flags = on ? this.#flags | TRACKED : this.#flags & ~TRACKED;
  }

  /** The response failed: its tasks must not run (cleanups still do). */
  skipTasks(): void {
    this.#flags |= SKIP_TASKS;
  }

  /** The response is done ('close' after 'finish', or the client left). */
  markClosed(): void {
    this.#mark(CLOSED);
  }

  /** The writer has returned (a stream is closed). */
  markWritten(): void {
    this.#mark(WRITTEN);
  }

  #mark(flag: number): void {
    this.#flags |= flag;
    if ((this.#flags & (CLOSED | WRITTEN | STARTED)) === (CLOSED | WRITTEN)) {
      this.#flags |= STARTED;
      this.#drive();
    }
  }

  #next(): BackgroundTask | undefined {
    while (this.#source < 2) {
      const source = this.#source === 0 ? this.#first : this.#second;
      if (source === undefined) {
        this.#source = 2;
        break;
      }
      if (source instanceof BackgroundTask) {
        if (this.#index++ === 0) return (this.#current = source);
      } else {
        const task = source.taskAt(this.#index++);
        if (task !== undefined) return (this.#current = task);
        const extras = this.#extras;
        if (extras !== undefined) {
          if (this.#source === 0) extras.taken0 = source.size;
          else extras.taken1 = source.size;
        }
      }
      this.#source++;
      this.#index = 0;
    }
    return (this.#current = undefined);
  }

  /** Runs tasks until one returns a promise (the run resumes when it settles), or until none is left. */
  #drive(): void {
    const host = this.#host;
    try {
      for (let task = this.#next(); task !== undefined; task = this.#next()) {
        if (this.#flags & SKIP_TASKS) {
          task.discard('handler-failed');
          continue;
        }
        const mode = host.background.mode;
        if (mode !== 'run') {
          if (mode === 'collect') host.background.collected.push({ name: task.name, args: task.args, route: this.route, requestId: this.requestId });
          task.discard(mode === 'collect' ? 'collected' : 'skipped');
          continue;
        }
        let running: unknown;
        try {
          running = task.run(this);
        } catch (error) {
          this.#taskFailed(task, error);
          continue;
        }
        if (isThenable(running)) {
          this.#await(running);
          return;
        }
      }
    } catch (err) {
      host.logger.error({ err, route: this.route }, 'background run failed');
    }
    this.#finish();
  }

  /**
   * Resumes the run once `running` settles. A thenable that is not a native
   * promise is adopted by one, which settles once whatever the thenable does.
   * Bound functions, not arrow functions: a function that makes closures over
   * `this` allocates a context on every call, and a bound function is smaller
   * than a closure. They are not kept on the run: most runs await once.
   */
  #await(running: PromiseLike<unknown>): void {
    adopt(running).then(this.#drive.bind(this), this.#rejected.bind(this));
  }

  #rejected(error: unknown): void {
    try {
      this.#taskFailed(this.#current!, error);
    } catch (err) {
      this.#host.logger.error({ err, route: this.route }, 'background run failed');
    }
    this.#drive();
  }

  #taskFailed(task: BackgroundTask, error: unknown): void {
    this.#host.reportTaskError({ error, task: task.name, route: this.route, requestId: this.requestId });
    if (this.error === NO_ERROR) this.error = error;
  }

  /** After the tasks: cleanups LIFO (with the first error), late-task warnings, uploads; then the tracker lets go. */
  #finish(): void {
    const host = this.#host;
    const leftovers = this.#extras?.leftovers;
    this.#warnLateTasks();
    if (leftovers === undefined) {
      host.tracker.end(this);
      return;
    }
    void this.#finishLeftovers(leftovers);
  }

  async #finishLeftovers(leftovers: RequestContext): Promise<void> {
    const host = this.#host;
    try {
      if (leftovers.cleanups !== undefined) {
        const left = await runCleanups(leftovers, this.error, false);
        if (left !== NO_ERROR && left !== this.error) host.logger.error({ err: left, route: this.route, requestId: this.requestId }, 'dependency cleanup failed');
        // Cleanups may add tasks too late; say so.
        this.#warnLateTasks();
      }
      // Uploads outlive the tasks, so a task can still read a file it was handed.
      if (leftovers.uploads !== undefined) await Promise.all(leftovers.uploads.map((file) => file.close()));
    } catch (err) {
      host.logger.error({ err, route: this.route }, 'background run failed');
    } finally {
      host.tracker.end(this);
    }
  }

  #warnLateTasks(): void {
    if (this.#flags & SKIP_TASKS) return;
    for (const late of this.#lateTasks()) {
      this.#host.logger.warn({ task: late.name, route: this.route, requestId: this.requestId }, 'task added after the background had run (in a dependency cleanup?); it did not run');
    }
  }

  /** Tasks added to a list after the run had moved past it (e.g. in cleanup code): they never run. */
  #lateTasks(): BackgroundTask[] {
    const extras = this.#extras;
    if (extras === undefined) return NONE;
    let late: BackgroundTask[] | undefined;
    const first = this.#first;
    const second = this.#second;
    if (first instanceof BackgroundTasks && extras.taken0 >= 0 && first.size > extras.taken0) {
      (late ??= []).push(...first.tasks.slice(extras.taken0));
      extras.taken0 = first.size;
    }
    if (second instanceof BackgroundTasks && extras.taken1 >= 0 && second.size > extras.taken1) {
      (late ??= []).push(...second.tasks.slice(extras.taken1));
      extras.taken1 = second.size;
    }
    return late ?? NONE;
  }

  /** The running task and every task not started yet. */
  pendingNames(): string[] {
    const names = this.#current ? [this.#current.name] : [];
    for (let s = this.#source; s < 2; s++) {
      const source = s === 0 ? this.#first : this.#second;
      if (source === undefined) break;
      if (source instanceof BackgroundTask) {
        if (source !== this.#current) names.push(source.name);
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
  // Request runs are linked through their own fields: under load thousands
  // are pending at once, and a Set of them (old-generation storage pointing
  // at young objects) costs every scavenge. Work registered with `track()` is
  // rare and goes in a Set.
  #head: BackgroundRun | undefined = undefined;
  #runCount = 0;
  readonly #others = new Set<Tracked>();
  #waiters: (() => void)[] = [];
  /** Recent failures, newest last (bounded), for test clients. */
  readonly failures: TaskFailure[] = [];

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
    if (this.size === 0 && this.#waiters.length > 0) {
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
    return this.#runCount + this.#others.size;
  }

  /** Resolves once no request has background work left. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #all(): Tracked[] {
    const all: Tracked[] = [...this.#others];
    for (let run = this.#head; run !== undefined; run = run.trackedNext) all.push(run);
    return all;
  }

  pendingNames(): string[] {
    return this.#all().flatMap((work) => work.pendingNames());
  }

  abortAll(reason: unknown): void {
    for (const work of this.#all()) work.abort(reason);
  }
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
