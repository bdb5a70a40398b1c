import { isFinished, type TaskRecord, type TaskState } from './backend.js';
import { TaskFailedError } from './errors.js';

/** Internal: how the runtime moves a handle along. */
export const kUpdate: unique symbol = Symbol('fastts.tasks.update');
/** Internal: a state another process reached, told without its record (nobody waited on the handle). */
export const kState: unique symbol = Symbol('fastts.tasks.state');
/** Internal: whether something waits on the handle's records. */
export const kObserved: unique symbol = Symbol('fastts.tasks.observed');

/**
 * What `tasks.addTask(definition, ...args)` returns: the task's id at once
 * (to answer 202 with it), its live status, and a promise of its end.
 *
 * `done` resolves with the final record whatever the outcome (it never
 * rejects, so an ignored handle never causes an unhandled rejection);
 * `result()` rejects when the task did not succeed.
 *
 * A task another process runs (a durable backend) is followed for its state
 * alone until something waits on the handle (`done`, `result()` or `record`
 * read): only then are its records read back from the store, so a process
 * that enqueues and forgets does not read every task back. `done` read after
 * the task ended reads its final record then.
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
  #record: TaskRecord<R> | undefined;
  /** A state newer than the record's (told without a record). */
  #state: TaskState | undefined;
  #done: Promise<TaskRecord<R>> | undefined;
  // Typed without R, so TaskHandle<string> is assignable to TaskHandle<unknown>.
  #resolve: ((record: TaskRecord) => void) | undefined;
  /** Reads the final record of a task that ended while nobody waited. */
  #fetch: (() => Promise<TaskRecord | undefined>) | undefined;
  #observed = false;

  constructor(id: string, name: string) {
    this.id = id;
    this.name = name;
  }

  /**
   * Resolves with the final record whatever the outcome; never rejects. If
   * that record can no longer be read (purged, or the store unreachable), it
   * is the last record seen, in the final state.
   */
  get done(): Promise<TaskRecord<R>> {
    this.#observed = true;
    if (!this.#done) {
      this.#done = new Promise<TaskRecord<R>>((resolve) => (this.#resolve = resolve as (record: TaskRecord) => void));
      if (this.#fetch) this.#readFinal();
      else if (this.#record && isFinished(this.#record.state)) this.#resolve!(this.#record);
    }
    return this.#done;
  }

  /** `queued` until the runtime has it, then the latest state it saw. */
  get status(): TaskState {
    return this.#state ?? this.#record?.state ?? 'queued';
  }

  /** The latest snapshot the runtime read, once enqueued; reading it asks for every later one. */
  get record(): TaskRecord<R> | undefined {
    this.#observed = true;
    return this.#record;
  }

  /** The task's result; rejects with TaskFailedError if it failed, died or was cancelled. */
  async result(): Promise<R> {
    const record = await this.done;
    if (record.state !== 'succeeded') throw new TaskFailedError(record.id, record.name, record.state, record.error?.message);
    return record.result as R;
  }

  get [kObserved](): boolean {
    return this.#observed;
  }

  [kUpdate](record: TaskRecord): void {
    this.#record = record as TaskRecord<R>;
    this.#state = undefined;
    this.#fetch = undefined;
    if (isFinished(record.state)) this.#resolve?.(this.#record);
  }

  [kState](state: TaskState, fetch: () => Promise<TaskRecord | undefined>): void {
    this.#state = state;
    if (!isFinished(state)) return;
    this.#fetch = fetch;
    if (this.#done) this.#readFinal();
  }

  #readFinal(): void {
    const fetch = this.#fetch!;
    const state = this.#state!;
    this.#fetch = undefined;
    const fallback = () => {
      const last = this.#record;
      this.#resolve!(last ? { ...last, state } : ({ id: this.id, name: this.name, state } as TaskRecord));
    };
    fetch().then(
      (record) => (record && isFinished(record.state) ? this[kUpdate](record) : fallback()),
      () => fallback(),
    );
  }
}
