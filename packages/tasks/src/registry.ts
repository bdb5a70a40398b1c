import { isFinished, type TaskFilter, type TaskRecord, type TaskState } from './backend.js';
import { TaskSetupError } from './errors.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A record as the memory backend changes it. */
export type MutableRecord = Mutable<TaskRecord> & { history: Mutable<TaskRecord['history'][number]>[] };

/**
 * Every task the memory backend knows, by id, bounded: past `maxRecords`, the
 * tasks that finished longest ago are forgotten. Tasks still queued,
 * retrying or running are never dropped.
 */
export class TaskRegistry {
  readonly maxRecords: number;
  readonly #records = new Map<string, MutableRecord>();
  /** Ids of finished tasks, oldest finish first (a Set keeps insertion order). */
  readonly #finished = new Set<string>();

  constructor(maxRecords = 10_000) {
    if (!Number.isInteger(maxRecords) || maxRecords < 1) throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', 'MemoryBackend', 'maxRecords', 'an integer >= 1', maxRecords);
    this.maxRecords = maxRecords;
  }

  add(record: MutableRecord): void {
    this.#records.set(record.id, record);
    if (isFinished(record.state)) this.#finished.add(record.id);
    this.#evict();
  }

  get(id: string): MutableRecord | undefined {
    return this.#records.get(id);
  }

  has(id: string): boolean {
    return this.#records.has(id);
  }

  /** Call after a record's state changed, so eviction knows what has finished. */
  changed(record: MutableRecord): void {
    this.#finished.delete(record.id);
    if (isFinished(record.state)) {
      this.#finished.add(record.id);
      this.#evict();
    }
  }

  /** Newest first. */
  list(filter: TaskFilter = {}): MutableRecord[] {
    const states = filter.state === undefined ? undefined : new Set<TaskState>([filter.state].flat());
    const limit = filter.limit ?? 100;
    const out: MutableRecord[] = [];
    const all = [...this.#records.values()];
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
      const record = all[i]!;
      if (states && !states.has(record.state)) continue;
      if (filter.name !== undefined && record.name !== filter.name) continue;
      if (filter.queue !== undefined && record.queue !== filter.queue) continue;
      out.push(record);
    }
    return out;
  }

  counts(queue?: string): Record<TaskState, number> {
    const counts: Record<TaskState, number> = { queued: 0, running: 0, succeeded: 0, failed: 0, retrying: 0, cancelled: 0, dead: 0 };
    for (const record of this.#records.values()) if (queue === undefined || record.queue === queue) counts[record.state]++;
    return counts;
  }

  get size(): number {
    return this.#records.size;
  }

  #evict(): void {
    for (const id of this.#finished) {
      if (this.#records.size <= this.maxRecords) return;
      this.#finished.delete(id);
      this.#records.delete(id);
    }
  }
}

/** A copy safe to hand out; `args` are shared, frozen at enqueue (see `frozenCopy`). */
export function snapshot(record: MutableRecord): TaskRecord {
  return { ...record, history: record.history.map((attempt) => ({ ...attempt })) };
}

/** A deep copy that cannot change: what the memory backend stores, so no caller (or task) changes a stored task's arguments. */
export function frozenCopy<T>(value: T): T {
  return deepFreeze(structuredClone(value));
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
