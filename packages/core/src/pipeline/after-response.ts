import { randomUUID } from 'node:crypto';
import { BackgroundTask, BackgroundTasks, type Background, type TaskRunContext } from '../background.js';
import { NO_ERROR, runCleanups } from '../di/solve.js';
import type { Request } from '../http/request.js';
import { adopt, isThenable } from '../internal/thenable.js';
import type { RequestContext } from './context.js';
import type { BackgroundSupervisor, Tracked } from './supervisor.js';
import type { App } from '../app.js';

/**
 * Where a run is. A run starts its tasks once the body has been written AND
 * the response has closed, in either order: node emits 'close' right after
 * 'finish', or when the client goes away, and a streamed body's writer may
 * return after either.
 */
export type RunState = 'waiting' | 'written' | 'closed' | 'running' | 'finishing' | 'done';

// The state sits in the low bits of one field with two flags above it: a run
// is alive for as long as its tasks are pending (under load, thousands at
// once), and every field is copied by each scavenge that finds it alive.
const WAITING = 0;
const WRITTEN = 1;
const CLOSED = 2;
const RUNNING = 3;
const FINISHING = 4;
const DONE = 5;
const STATE = 7;
const SKIP_TASKS = 8;
const TRACKED = 16;
const STATE_NAMES: readonly RunState[] = ['waiting', 'written', 'closed', 'running', 'finishing', 'done'];

/** What a run needs only now and then: kept apart, so the common run stays small. */
class RunExtras {
  // Created on first use: most tasks never look at their signal, and an
  // AbortController per request is measurable on the background path.
  controller: AbortController | undefined = undefined;
  /** Error to hand to dependency cleanups (a response that failed mid-write, or the first failed task). */
  error: unknown = NO_ERROR;
  /** The third source, when a request has three (injected, temporary response, returned response). */
  third: Background | undefined = undefined;
  /**
   * How many tasks each list held when the run moved past it (-1: not yet),
   * to warn of tasks added too late (in a dependency cleanup).
   */
  readonly taken = [-1, -1, -1];
  constructor(
    /** The request context, kept only when it has dependency cleanups or uploads. */
    readonly leftovers: RequestContext | undefined,
  ) {}
}

/**
 * The background work of one request, in this order: the injected
 * BackgroundTasks, the background set on the injected temporary Response, the
 * returned Response's own `background`, then the dependency cleanups, then
 * the uploads are removed. Lists are read live, so a task added while the
 * tasks run (even by a running task) still runs, as in Starlette.
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
  readonly #host: BackgroundSupervisor;
  // Only the id is kept, not the Request: a run outlives its response, and
  // holding node's request and response objects that long costs GC time.
  #requestId: string | undefined;
  readonly #first: Background | undefined;
  readonly #second: Background | undefined;
  #extras: RunExtras | undefined;
  /** Which source the run is at: 0, 1, 2, or 3 once past them all. */
  #source = 0;
  #index = 0;
  #bits = WAITING;
  #current: BackgroundTask | undefined = undefined;
  /** Links in the supervisor's list of pending runs. */
  trackedPrev: BackgroundRun | undefined = undefined;
  trackedNext: BackgroundRun | undefined = undefined;

  constructor(
    host: BackgroundSupervisor,
    route: string,
    request: Request | undefined,
    injected: BackgroundTasks | undefined,
    temporary: Background | undefined,
    own: Background | undefined,
    leftovers: RequestContext | undefined,
  ) {
    this.#host = host;
    this.route = route;
    this.#requestId = request?.knownId();
    // A handler may attach the injected instance to a response itself; each source runs once.
    const first = injected !== undefined && injected.size > 0 ? injected : undefined;
    const middle = temporary !== undefined && temporary !== injected ? temporary : undefined;
    const last = own !== undefined && own !== injected && own !== temporary ? own : undefined;
    if (first === undefined && middle === undefined) {
      this.#first = last;
    } else if (first === undefined || middle === undefined) {
      this.#first = first ?? middle;
      this.#second = last;
    } else {
      this.#first = first;
      this.#second = middle;
      (this.#extras = new RunExtras(leftovers)).third = last;
    }
    if (this.#extras === undefined && (leftovers !== undefined || this.#second !== undefined)) this.#extras = new RunExtras(leftovers);
  }

  /** Where the run is (for tests and diagnostics). */
  get state(): RunState {
    return STATE_NAMES[this.#bits & STATE]!;
  }

  /** The request's id; one nobody has seen yet is generated only when asked for. */
  get requestId(): string {
    return (this.#requestId ??= randomUUID());
  }

  get app(): App {
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

  /** In the supervisor's list (the supervisor sets it). */
  get tracked(): boolean {
    return (this.#bits & TRACKED) !== 0;
  }

  set tracked(on: boolean) {
    this.#bits = on ? this.#bits | TRACKED : this.#bits & ~TRACKED;
  }

  /** The response failed: its tasks must not run (cleanups still do). */
  skipTasks(): void {
    this.#bits |= SKIP_TASKS;
  }

  /** The response is done ('close' after 'finish', or the client left). */
  markClosed(): void {
    const state = this.#bits & STATE;
    if (state === WAITING) this.#setState(CLOSED);
    else if (state === WRITTEN) this.#start();
  }

  /** The writer has returned (a stream is closed). */
  markWritten(): void {
    const state = this.#bits & STATE;
    if (state === WAITING) this.#setState(WRITTEN);
    else if (state === CLOSED) this.#start();
  }

  #setState(state: number): void {
    this.#bits = (this.#bits & ~STATE) | state;
  }

  #start(): void {
    this.#setState(RUNNING);
    this.#drive();
  }

  #sourceAt(index: number): Background | undefined {
    return index === 0 ? this.#first : index === 1 ? this.#second : this.#extras?.third;
  }

  #next(): BackgroundTask | undefined {
    while (this.#source < 3) {
      const source = this.#sourceAt(this.#source);
      if (source === undefined) {
        this.#source = 3;
        break;
      }
      if (source instanceof BackgroundTask) {
        if (this.#index++ === 0) return (this.#current = source);
      } else {
        const task = source.taskAt(this.#index++);
        if (task !== undefined) return (this.#current = task);
        if (this.#extras !== undefined) this.#extras.taken[this.#source] = source.size;
      }
      this.#source++;
      this.#index = 0;
    }
    return (this.#current = undefined);
  }

  /** Runs tasks until one returns a promise (the run resumes when it settles), or until none is left. */
  #drive(): void {
    const host = this.#host;
    for (let task = this.#next(); task !== undefined; task = this.#next()) {
      if (this.#bits & SKIP_TASKS) {
        host.discard(task, 'handler-failed');
        continue;
      }
      let running: unknown;
      try {
        // The app's strategy: run the task (default), or a test client's collect or skip.
        running = host.runTask(task, this);
        // Inside the try: a returned value whose `then` getter throws is the task's failure.
        if (!isThenable(running)) continue;
      } catch (error) {
        this.#taskFailed(task, error);
        continue;
      }
      this.#await(running as PromiseLike<unknown>);
      return;
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
    this.#taskFailed(this.#current!, error);
    this.#drive();
  }

  /** Reports a failed task; never throws, whatever was thrown, so the tasks after it still run. */
  #taskFailed(task: BackgroundTask, error: unknown): void {
    const reported = this.#host.reportTaskError({ error, task: task.name, route: this.route, requestId: this.requestId });
    if (this.error === NO_ERROR) this.error = reported;
  }

  /** After the tasks: cleanups LIFO (with the first error), late-task warnings, uploads; then the supervisor lets go. */
  #finish(): void {
    this.#setState(FINISHING);
    const leftovers = this.#extras?.leftovers;
    this.#warnLateTasks();
    if (leftovers === undefined) this.#done();
    else void this.#finishLeftovers(leftovers);
  }

  #done(): void {
    this.#setState(DONE);
    this.#host.end(this);
  }

  async #finishLeftovers(leftovers: RequestContext): Promise<void> {
    const host = this.#host;
    try {
      if (leftovers.cleanups !== undefined) {
        const left = await runCleanups(leftovers, this.error, false);
        if (left !== NO_ERROR && left !== this.error) host.logError(left, { route: this.route, requestId: this.requestId }, 'dependency cleanup failed');
        // Cleanups may add tasks too late; say so.
        this.#warnLateTasks();
      }
      // Uploads outlive the tasks, so a task can still read a file it was handed.
      if (leftovers.uploads !== undefined) await Promise.all(leftovers.uploads.map((file) => file.close()));
    } catch (err) {
      host.logError(err, { route: this.route }, 'background run failed');
    } finally {
      this.#done();
    }
  }

  #warnLateTasks(): void {
    if (this.#bits & SKIP_TASKS) return;
    const extras = this.#extras;
    if (extras === undefined) return;
    for (let i = 0; i < 3; i++) {
      const source = this.#sourceAt(i);
      const taken = extras.taken[i]!;
      if (!(source instanceof BackgroundTasks) || taken < 0 || source.size <= taken) continue;
      for (const late of source.tasks.slice(taken)) {
        this.#host.logger.warn({ task: late.name, route: this.route, requestId: this.requestId }, 'task added after the background had run (in a dependency cleanup?); it did not run');
      }
      extras.taken[i] = source.size;
    }
  }

  /** The running task and every task not started yet. */
  pendingNames(): string[] {
    const names = this.#current ? [this.#current.name] : [];
    for (let s = this.#source; s < 3; s++) {
      const source = this.#sourceAt(s);
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
