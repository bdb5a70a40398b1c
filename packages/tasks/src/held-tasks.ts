import type { TaskFilter, TaskRecord, TaskState } from './backend.js';
import { serialiseError } from './records.js';

/** A task added in a handler, recorded `queued` until the core runs it after the response (or drops it). */
interface HeldTask {
  record: TaskRecord;
  /** Set by `cancel(id)` before the task reached the backend: it is cancelled there as soon as it does. */
  cancelReason?: unknown;
}

/**
 * Tasks a handler has added that the core has not handed over yet. They are
 * listed, counted and cancellable like the backend's, so `GET /tasks/{id}`
 * with the id from the response never 404s.
 */
export class HeldTasks {
  readonly #held = new Map<string, HeldTask>();

  hold(record: TaskRecord): void {
    this.#held.set(record.id, { record });
  }

  has(id: string): boolean {
    return this.#held.has(id);
  }

  record(id: string): TaskRecord | undefined {
    return this.#held.get(id)?.record;
  }

  /** Forgets a held task; returns the cancel asked for while it was held, if any. */
  take(id: string): { cancelled: boolean; reason?: unknown } {
    const held = this.#held.get(id);
    this.#held.delete(id);
    return held && 'cancelReason' in held ? { cancelled: true, reason: held.cancelReason } : { cancelled: false };
  }

  /** Marks a held task cancelled; undefined when it is not held, false when it was cancelled already. */
  cancel(id: string, reason: unknown): boolean | undefined {
    const held = this.#held.get(id);
    if (!held) return undefined;
    if ('cancelReason' in held) return false;
    held.cancelReason = reason;
    held.record = { ...held.record, state: 'cancelled', finishedAt: new Date(), error: serialiseError(reason) };
    return true;
  }

  /** Held tasks matching `filter`, newest first. */
  list(filter: TaskFilter): TaskRecord[] {
    if (this.#held.size === 0) return [];
    const states = filter.state === undefined ? undefined : ([] as TaskState[]).concat(filter.state);
    return [...this.#held.values()]
      .map((h) => h.record)
      .filter((r) => (!states || states.includes(r.state)) && (filter.name === undefined || r.name === filter.name) && (filter.queue === undefined || r.queue === filter.queue))
      .reverse();
  }

  /** Adds the held tasks to counts by state. */
  count(counts: Record<TaskState, number>, queue?: string): Record<TaskState, number> {
    for (const { record } of this.#held.values()) if (queue === undefined || record.queue === queue) counts[record.state] = (counts[record.state] ?? 0) + 1;
    return counts;
  }

  get size(): number {
    return this.#held.size;
  }

  clear(): void {
    this.#held.clear();
  }
}
