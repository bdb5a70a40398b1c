import { ServerSentEvent } from '@fastts/core';
import { isFinished, type TaskRecord } from './backend.js';
import type { TaskRuntime } from './runtime.js';

/**
 * What a client already has of a task, read from the id of the last event it
 * received: `<n>:<state>:<attempts>:<progress>`. The counter orders the
 * events of one task across reconnections; the rest tells whether the
 * current snapshot is new to the client, so a reconnect repeats nothing.
 */
export interface SeenMark {
  n: number;
  mark: string | undefined;
}

export function seenMark(lastEventId: string | undefined): SeenMark {
  const at = lastEventId?.indexOf(':') ?? -1;
  const n = Number(at === -1 ? lastEventId : lastEventId!.slice(0, at));
  return Number.isSafeInteger(n) && n >= 0 ? { n, mark: at === -1 ? undefined : lastEventId!.slice(at + 1) } : { n: 0, mark: undefined };
}

/** The part of a record an event id carries: what makes a `state` or a `progress` event. */
export function markOf(record: TaskRecord): string {
  return `${record.state}:${record.attempts}:${record.progress ?? ''}`;
}

export interface TaskEventsOptions {
  /** How often to read the task from a durable backend, for changes another process makes (`watch` reports this process's). */
  pollIntervalMs: number;
  /** What an event's data shows of a record. */
  view: (record: TaskRecord) => unknown;
}

type Step = IteratorResult<ServerSentEvent, undefined>;
const DONE: Step = { done: true, value: undefined };
const FAILED: unique symbol = Symbol('read failed');

/**
 * One task's changes as server-sent events: first its current snapshot
 * (unless the client has it already), then a `state` event (the task's view)
 * when its state or attempt changes and a `progress` event (`{ id, state,
 * progress }`) when only its progress does, until it reaches a final state.
 * Changes come from the backend's `watch`, and for a durable backend also
 * from reading the task every `pollIntervalMs` (another process may run it).
 * An async iterator, not a generator: a client that leaves closes it at once,
 * even while it waits for the next change.
 */
export class TaskEventStream implements AsyncIterableIterator<ServerSentEvent> {
  readonly #id: string;
  readonly #runtime: TaskRuntime;
  readonly #options: TaskEventsOptions;
  /** Changes not sent yet, oldest first. */
  readonly #queue: TaskRecord[] = [];
  #unwatch: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #waiter: (() => void) | undefined;
  #n: number;
  #sent: TaskRecord | undefined;
  #sentMark: string | undefined;
  /** Bumped by every watched change, so a poll that overlaps one drops its older answer. */
  #changes = 0;
  /** No change is taken in any more (the task finished or left the store, or the client left). */
  #closed = false;
  /** The iterator has ended. */
  #done = false;

  private constructor(runtime: TaskRuntime, id: string, seen: SeenMark, options: TaskEventsOptions) {
    this.#runtime = runtime;
    this.#id = id;
    this.#n = seen.n;
    this.#sentMark = seen.mark;
    this.#options = options;
  }

  /**
   * Subscribes, then reads the task: undefined when it is unknown. A change
   * watched while the read was under way is at least as new as what it read.
   */
  static async open(runtime: TaskRuntime, id: string, seen: SeenMark, options: TaskEventsOptions): Promise<TaskEventStream | undefined> {
    const stream = new TaskEventStream(runtime, id, seen, options);
    stream.#unwatch = runtime.backend.watch((record) => {
      if (record.id === id) stream.#push(record, true);
    });
    let current: TaskRecord | undefined;
    try {
      current = await runtime.get(id);
    } catch (err) {
      stream.#close();
      throw err;
    }
    if (stream.#queue.length === 0 && current !== undefined) stream.#queue.push(current);
    if (stream.#queue.length === 0) {
      stream.#close();
      return undefined;
    }
    if (runtime.backend.durable) stream.#poll();
    return stream;
  }

  /** True when the client already has the task's final snapshot: nothing will follow (answer 204, so EventSource stops reconnecting). */
  get caughtUp(): boolean {
    const latest = this.#queue.at(-1)!;
    return isFinished(latest.state) && markOf(latest) === this.#sentMark;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<Step> {
    for (;;) {
      if (this.#done) return DONE;
      const record = this.#queue.shift();
      if (record === undefined) {
        if (this.#closed) return DONE;
        await new Promise<void>((resolve) => (this.#waiter = resolve));
        continue;
      }
      const mark = markOf(record);
      if (mark === this.#sentMark) continue;
      const kind = this.#sent === undefined || this.#sent.state !== record.state || this.#sent.attempts !== record.attempts ? 'state' : 'progress';
      this.#sent = record;
      this.#sentMark = mark;
      if (isFinished(record.state)) {
        this.#close();
        this.#done = true;
      }
      const data = kind === 'state' ? this.#options.view(record) : { id: record.id, state: record.state, progress: record.progress };
      return { done: false, value: new ServerSentEvent({ event: kind, id: `${++this.#n}:${mark}`, data }) };
    }
  }

  async return(): Promise<Step> {
    this.#close();
    this.#done = true;
    this.#wake();
    return DONE;
  }

  #push(record: TaskRecord, watched: boolean): void {
    if (watched) this.#changes++;
    this.#queue.push(record);
    this.#wake();
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }

  #poll(): void {
    this.#timer = setTimeout(() => void this.#read(), this.#options.pollIntervalMs);
  }

  async #read(): Promise<void> {
    const before = this.#changes;
    const record: TaskRecord | undefined | typeof FAILED = await this.#runtime.get(this.#id).catch(() => FAILED);
    if (this.#closed) return;
    if (record === undefined) {
      // Purged from the store: nothing will tell of it again.
      this.#close();
      this.#wake();
      return;
    }
    // A change watched during the read may be newer than what it read.
    const newest = this.#queue.at(-1) ?? this.#sent;
    if (record !== FAILED && before === this.#changes && (newest === undefined || markOf(record) !== markOf(newest))) this.#push(record, false);
    this.#poll();
  }

  /** No more changes come in; what is queued is still sent. */
  #close(): void {
    this.#closed = true;
    this.#unwatch?.();
    this.#unwatch = undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
