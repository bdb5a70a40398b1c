import { isFinished, type TaskRecord, type TaskState } from './backend.js';
import { TaskFailedError } from './errors.js';

/** Internal: how the runtime moves a handle along. */
export const kUpdate: unique symbol = Symbol('fastts.tasks.update');

/**
 * What `tasks.addTask(definition, ...args)` returns: the task's id at once
 * (to answer 202 with it), its live status, and a promise of its end.
 *
 * `done` resolves with the final record whatever the outcome (it never
 * rejects, so an ignored handle never causes an unhandled rejection);
 * `result()` rejects when the task did not succeed.
 *
 * A task added by a handler that then fails (with `runOn: 'success'`), or
 * collected or skipped by a test client, is never enqueued: its handle ends
 * `cancelled`, with an error named `TaskDiscarded` saying why, and `done`
 * resolves.
 *
 * @example
 * ```ts
 * const handle = tasks.addTask(renderReport, reportId);
 * return new JSONResponse({ id: handle.id, status: `/tasks/${handle.id}` }, { status: 202 });
 * ```
 */
export class TaskHandle<R = unknown> {
  readonly id: string;
  readonly name: string;
  readonly done: Promise<TaskRecord<R>>;
  #record: TaskRecord<R> | undefined;
  // Typed without R, so TaskHandle<string> is assignable to TaskHandle<unknown>.
  #resolve!: (record: TaskRecord) => void;

  constructor(id: string, name: string) {
    this.id = id;
    this.name = name;
    this.done = new Promise<TaskRecord<R>>((resolve) => (this.#resolve = resolve as (record: TaskRecord) => void));
  }

  /** `queued` until the runtime has it, then the record's state. */
  get status(): TaskState {
    return this.#record?.state ?? 'queued';
  }

  /** The latest snapshot the runtime saw, once enqueued. */
  get record(): TaskRecord<R> | undefined {
    return this.#record;
  }

  /** The task's result; rejects with TaskFailedError if it failed, died or was cancelled. */
  async result(): Promise<R> {
    const record = await this.done;
    if (record.state !== 'succeeded') throw new TaskFailedError(record.id, record.name, record.state, record.error?.message);
    return record.result as R;
  }

  [kUpdate](record: TaskRecord): void {
    this.#record = record as TaskRecord<R>;
    if (isFinished(record.state)) this.#resolve(this.#record);
  }
}
