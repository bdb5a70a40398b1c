import { randomUUID } from 'node:crypto';
import { App, BackgroundTask, type TaskOrigin, type TaskRunContext } from '@fastts/core';
import type { TaskDefinition } from './definition.js';
import { TaskSetupError } from './errors.js';
import { kUpdate, TaskHandle } from './handle.js';
import { TaskRuntime, taskRecord, type SubmitMeta } from './runtime.js';

/** Why the core dropped a task instead of running it. */
export type DiscardReason = 'handler-failed' | 'collected' | 'skipped';

/**
 * What `addTask(definition, ...args)` puts in the request's BackgroundTasks.
 * Added through a BackgroundTasks the core injected, it is recorded `queued`
 * in the app's task runtime at once, so `GET /tasks/{id}` finds it before
 * the response is sent. The core calls `run` after the response is written;
 * running it means enqueueing into the runtime, which does the work, so the
 * request's own background is not held up by it. When the core drops it
 * instead (`discard`), its handle ends `cancelled` and it never runs.
 */
export class NamedBackgroundTask<A extends unknown[], R> extends BackgroundTask<A> {
  readonly definition: TaskDefinition<A, R>;
  readonly handle: TaskHandle<R>;
  readonly #prepared: ReturnType<TaskDefinition<A, R>['prepare']>;
  /** The runtime holding it since `addTask` (none for a BackgroundTasks built by hand). */
  readonly #runtime: TaskRuntime | undefined;
  readonly #meta: SubmitMeta;
  #discarded = false;

  constructor(definition: TaskDefinition<A, R>, args: A, origin?: TaskOrigin) {
    super(definition.fn, ...args);
    this.definition = definition;
    // Checked here, in the handler: bad arguments are the handler's bug, not the task's.
    this.#prepared = definition.prepare(args);
    this.runOn = definition.runOn;
    this.handle = new TaskHandle<R>(randomUUID(), definition.name);
    this.#meta = {};
    if (origin && origin.app instanceof App) {
      this.#meta = { requestId: origin.requestId, route: origin.route };
      this.#runtime = TaskRuntime.for(origin.app);
      this.#runtime.hold(definition, this.#prepared, this.handle, this.#meta);
    }
  }

  /** The definition's name: what logs, shutdown reports and `client.tasks` show. */
  override get name(): string {
    return this.definition.name;
  }

  /** The core will not run it (failed handler, or a test client collecting or skipping): it ends `cancelled`. */
  override discard(reason: DiscardReason): void {
    if (this.#discarded) return;
    this.#discarded = true;
    this.#runtime?.release(this.handle.id);
    const error = { name: 'TaskDiscarded', message: `task '${this.name}' was not run: ${reason}` };
    this.handle[kUpdate](taskRecord(this.definition, this.#prepared.payload, this.handle.id, this.#meta, error));
  }

  override async run(context?: TaskRunContext): Promise<void> {
    if (this.#discarded) return;
    if (!context || !(context.app instanceof App)) throw new TaskSetupError(`task '${this.name}' runs in a fastts app: add it with tasks.addTask in a handler, or use runtime.enqueue`);
    await (this.#runtime ?? TaskRuntime.for(context.app)).submit(this.definition, this.#prepared, this.handle, {
      requestId: context.requestId,
      route: context.route,
      signal: context.signal,
    });
  }
}
