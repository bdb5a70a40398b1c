import { taskId } from './task-id.js';
import { BackgroundTask } from '@fastts/core';
import { appOf, type TaskOrigin, type TaskRunContext } from './core-seam.js';
import { TaskSetupError } from './errors.js';
import { kUpdate, TaskHandle } from './handle.js';
import { taskRecord } from './records.js';
import type { SubmitMeta } from './runtime-options.js';
import { TaskRuntime } from './runtime.js';
import type { PreparedArgs, TaskSpec } from './spec.js';

/** Why the core dropped a task instead of running it. */
export type DiscardReason = 'handler-failed' | 'collected' | 'skipped';

/**
 * What `addTask(definition, ...args)` puts in the request's BackgroundTasks.
 * Added through a BackgroundTasks the core injected, it is recorded `queued`
 * in the app's task runtime at once, so `GET /tasks/{id}` finds it before
 * the response is sent, and a full queue refuses it there, in the handler
 * (a 503 the client sees, rather than a task lost after the response). The
 * core calls `run` after the response is written; running it means
 * enqueueing into the runtime, which does the work, so the request's own
 * background is not held up by it. When the core drops it instead
 * (`discard`), its handle ends `cancelled` and it never runs.
 */
export class NamedBackgroundTask<A extends unknown[], R> extends BackgroundTask<A> {
  readonly definition: TaskSpec<A, R>;
  readonly handle: TaskHandle<R>;
  /** With a durable backend: settles once the task is stored. The core writes the response after it. */
  readonly stored: Promise<unknown> | undefined;
  readonly #prepared: PreparedArgs;
  /** The runtime holding it since `addTask` (none for a BackgroundTasks built by hand). */
  readonly #runtime: TaskRuntime | undefined;
  readonly #meta: SubmitMeta;
  #discarded = false;

  constructor(definition: TaskSpec<A, R>, args: A, origin?: TaskOrigin) {
    super(definition.fn, ...args);
    this.definition = definition;
    // Checked here, in the handler: bad arguments are the handler's bug, not the task's.
    this.#prepared = definition.prepare(args);
    this.runOn = definition.runOn;
    this.handle = new TaskHandle<R>(taskId(), definition.name);
    this.#meta = {};
    const app = appOf(origin);
    if (app && origin) {
      this.#meta = { requestId: origin.requestId, route: origin.route };
      this.#runtime = TaskRuntime.for(app);
      this.stored = this.#runtime.hold(definition, this.#prepared, this.handle, this.#meta);
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
    const app = appOf(context);
    if (!app || !context) throw new TaskSetupError('FASTTS_ERR_TASK_OUTSIDE_APP', this.name);
    await (this.#runtime ?? TaskRuntime.for(app)).submit(this.definition, this.#prepared, this.handle, {
      requestId: context.requestId,
      route: context.route,
      signal: context.signal,
    });
  }
}
