import { randomUUID } from 'node:crypto';
import { App, BackgroundTask, type TaskRunContext } from '@fastts/core';
import type { TaskDefinition } from './definition.js';
import { TaskSetupError } from './errors.js';
import { TaskHandle } from './handle.js';
import { TaskRuntime } from './runtime.js';

/**
 * What `addTask(definition, ...args)` puts in the request's BackgroundTasks.
 * The core calls `run` after the response is written; running it means
 * enqueueing into the app's task runtime, which does the work, so the
 * request's own background is not held up by it.
 */
export class NamedBackgroundTask<A extends unknown[], R> extends BackgroundTask<A> {
  readonly definition: TaskDefinition<A, R>;
  readonly handle: TaskHandle<R>;
  readonly #prepared: ReturnType<TaskDefinition<A, R>['prepare']>;

  constructor(definition: TaskDefinition<A, R>, args: A) {
    super(definition.fn, ...args);
    this.definition = definition;
    // Checked here, in the handler: bad arguments are the handler's bug, not the task's.
    this.#prepared = definition.prepare(args);
    this.runOn = definition.runOn;
    this.handle = new TaskHandle<R>(randomUUID(), definition.name);
  }

  /** The definition's name: what logs, shutdown reports and `client.tasks` show. */
  override get name(): string {
    return this.definition.name;
  }

  override async run(context?: TaskRunContext): Promise<void> {
    if (!context || !(context.app instanceof App)) throw new TaskSetupError(`task '${this.name}' runs in a fastts app: add it with tasks.addTask in a handler, or use runtime.enqueue`);
    await TaskRuntime.for(context.app).submit(this.definition, this.#prepared, this.handle, {
      requestId: context.requestId,
      route: context.route,
      signal: context.signal,
    });
  }
}
