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

  constructor(fn: (...args: A) => unknown, ...args: A) {
    if (typeof fn !== 'function') throw new TypeError('BackgroundTask needs a function');
    this.fn = fn;
    this.args = args;
  }

  /** The function's name, used in logs and shutdown reports. */
  get name(): string {
    return this.fn.name || 'anonymous';
  }

  async run(): Promise<void> {
    await this.fn(...this.args);
  }
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
  readonly tasks: BackgroundTask[] = [];

  constructor(tasks: Iterable<BackgroundTask> = []) {
    for (const task of tasks) this.tasks.push(task);
  }

  addTask<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): void {
    this.tasks.push(new BackgroundTask(fn, ...args) as BackgroundTask);
  }

  get size(): number {
    return this.tasks.length;
  }
}

/** What a Response's `background` may hold. */
export type Background = BackgroundTask | BackgroundTasks;
