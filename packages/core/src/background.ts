import type { App } from './app.js';
import { FastTsError } from './errors/codes.js';

/** What the server core tells a task when it starts it. */
export interface TaskRunContext {
  /** Aborted when `app.close()` gives up waiting for the task. */
  signal: AbortSignal;
  /** The request that added the task (its `x-request-id`, or a generated UUID). */
  requestId: string;
  /** `Controller.method` of the route that added the task. */
  route: string;
  /** The app running the task, for runtimes that keep per-app state. */
  app: App;
}

/**
 * One unit of work to run after the response has been written.
 *
 * The argument list is checked against the function's parameters, the way
 * Starlette types it with ParamSpec.
 *
 * @example
 * ```ts
 * return new JSONResponse({ ok: true }, { background: new BackgroundTask(sendEmail, 'a@b.c', 'hi') });
 * ```
 */
export class BackgroundTask<A extends unknown[] = any[]> {
  readonly fn: (...args: A) => unknown;
  readonly args: A;
  /**
   * `success` (the default, FastAPI's rule): dropped when the handler fails.
   * `always`: runs after the error response too.
   */
  runOn: 'success' | 'always' = 'success';

  constructor(fn: (...args: A) => unknown, ...args: A) {
    if (typeof fn !== 'function') throw new FastTsError('FASTTS_ERR_BACKGROUND_NOT_CALLABLE', fn === null ? 'null' : typeof fn);
    this.fn = fn;
    this.args = args;
  }

  /** The function's name, used in logs and shutdown reports. */
  get name(): string {
    return this.fn.name || 'anonymous';
  }

  /**
   * Called instead of `run` when the core will not run the task: the handler
   * failed (and `runOn` is `success`), or a test client collects or skips
   * tasks. Task runtimes use it to settle the task's handle.
   */
  discard(_reason: 'handler-failed' | 'collected' | 'skipped'): void {}

  /**
   * Runs the task and returns what the function returns (a promise for async
   * work, which the core awaits). Subclasses (named tasks) may use what the
   * core tells them.
   */
  run(_context?: TaskRunContext): unknown {
    // Listed arguments for the usual counts: a spread call walks the array in
    // a generic builtin on every task.
    const args = this.args;
    const fn = this.fn as (...a: unknown[]) => unknown;
    switch (args.length) {
      case 0:
        return fn.call(this);
      case 1:
        return fn.call(this, args[0]);
      case 2:
        return fn.call(this, args[0], args[1]);
      default:
        return fn.apply(this, args);
    }
  }
}

/** The key of the method that turns a task definition into a BackgroundTask. */
export const kCreateTask: unique symbol = Symbol.for('fastts.createTask');

/** Where an injected BackgroundTasks belongs: set by the core, undefined for one built by hand. */
export interface TaskOrigin {
  app: App;
  route: string;
  /** The request's id (read on demand: generating one costs a UUID). */
  readonly requestId: string;
}

/**
 * Something `addTask` accepts besides a function: a task definition (see
 * @fastts/tasks) that builds its own BackgroundTask and hands back a handle.
 */
export interface TaskFactory<A extends unknown[], H> {
  [kCreateTask](args: A, origin: TaskOrigin | undefined): BackgroundTask & { readonly handle: H; readonly stored?: Promise<unknown> };
}

/**
 * The tasks of one request, run in the order they were added, each awaited
 * before the next, after the response body has been written.
 *
 * Declare a parameter of this type on a handler or a dependency (no decorator
 * needed): every one of them receives the same instance for a given request.
 *
 * @example
 * ```ts
 * @Post('/send-notification/{email}')
 * send(@Path('email') email: string, tasks: BackgroundTasks) {
 *   tasks.addTask(writeLog, `notification for ${email}`);
 *   return { message: 'Notification sent in the background' };
 * }
 * ```
 */
export class BackgroundTasks {
  // The first task is held on its own and a list is made for the second: most
  // requests add one task, and a request's tasks stay alive until they have
  // run (under load, thousands at once), so an array per request is memory
  // the garbage collector copies for nothing. Once `tasks` has been read, the
  // list is the only store (it is live: what is pushed to it runs).
  #one: BackgroundTask | undefined = undefined;
  #list: BackgroundTask[] | undefined = undefined;
  /** Writes of durable tasks the response waits for (see `whenStored`). */
  #stored: Promise<unknown>[] | undefined = undefined;
  /** The app, route and request this instance was injected for (undefined when built by hand). */
  origin: TaskOrigin | undefined = undefined;

  constructor(tasks?: Iterable<BackgroundTask>) {
    // No default `[]`: the core creates one instance per request, with no tasks.
    if (tasks !== undefined) for (const task of tasks) this.#push(task);
  }

  /** The tasks, in the order they were added. */
  get tasks(): BackgroundTask[] {
    if (this.#list === undefined) {
      this.#list = this.#one === undefined ? [] : [this.#one];
      this.#one = undefined;
    }
    return this.#list;
  }

  /** The task at `index` in the order added, without building the list. */
  taskAt(index: number): BackgroundTask | undefined {
    if (this.#list !== undefined) return this.#list[index];
    return index === 0 ? this.#one : undefined;
  }

  #push(task: BackgroundTask): void {
    if (this.#list !== undefined) this.#list.push(task);
    else if (this.#one === undefined) this.#one = task;
    else {
      this.#list = [this.#one, task];
      this.#one = undefined;
    }
  }

  addTask<A extends unknown[], H>(definition: TaskFactory<A, H>, ...args: A): H;
  addTask<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): void;
  addTask(target: ((...args: unknown[]) => unknown) | TaskFactory<unknown[], unknown>, ...args: unknown[]): unknown {
    if ((typeof target === 'object' || typeof target === 'function') && target !== null && kCreateTask in target) {
      const task = target[kCreateTask](args, this.origin);
      this.#push(task);
      if (task.stored !== undefined) (this.#stored ??= []).push(task.stored);
      return task.handle;
    }
    this.#push(new BackgroundTask(target as (...a: unknown[]) => unknown, ...args));
    return undefined;
  }

  /** Adds a task built elsewhere (a BackgroundTask or a subclass). */
  add(task: BackgroundTask): this {
    this.#push(task);
    return this;
  }

  get size(): number {
    if (this.#list !== undefined) return this.#list.length;
    return this.#one === undefined ? 0 : 1;
  }

  /**
   * Settles once every task added so far that must be stored before the
   * response (a durable task from a definition) is stored; undefined when
   * there is none. The core writes the response only after it, and a
   * rejection fails the request as the handler's own error would.
   */
  whenStored(): Promise<unknown> | undefined {
    const stored = this.#stored;
    if (stored === undefined) return undefined;
    this.#stored = undefined;
    return stored.length === 1 ? stored[0] : Promise.all(stored);
  }
}

/** What a Response's `background` may hold. */
export type Background = BackgroundTask | BackgroundTasks;
