/** What a schedule's next run was computed from. */
export interface SchedulePattern {
  readonly cron: string;
  /** An IANA time zone, or `''` for the process's local time. */
  readonly timezone: string;
}

/** A schedule as its store keeps it, shared by every process on the store. Times are epoch ms. */
export interface StoredSchedule extends SchedulePattern {
  readonly name: string;
  /** The next tick to fire; `null` when the cron has no tick left. */
  readonly nextRun: number | null;
  /** The latest tick fired. */
  readonly lastRun: number | null;
}

/**
 * Where schedules keep their next run, so that every process on one store
 * fires each tick once and a restart resumes where the last process stopped.
 * A backend offers one as `backend.schedules`; the runtime uses a
 * `MemoryScheduleStore` for a backend without it.
 */
export interface ScheduleStore {
  /**
   * The stored schedule `name`. Written with `nextRun` (its last run kept) when
   * there is none or it was stored with another pattern; kept as it is
   * otherwise, so a restart keeps its next run.
   */
  define(name: string, pattern: SchedulePattern, nextRun: number | null): Promise<StoredSchedule>;
  get(name: string): Promise<StoredSchedule | undefined>;
  /**
   * Compare-and-set: moves `name` from `expected` to `nextRun`, recording
   * `lastRun`, only while it is stored with `pattern` and `expected`. One
   * write, so of processes racing for a tick exactly one gets `true`.
   */
  advance(name: string, pattern: SchedulePattern, expected: number, nextRun: number | null, lastRun: number | null): Promise<boolean>;
  list(): Promise<StoredSchedule[]>;
}

/** Schedules of one process, forgotten with it: every restart starts them afresh. */
export class MemoryScheduleStore implements ScheduleStore {
  readonly #rows = new Map<string, StoredSchedule>();

  async define(name: string, pattern: SchedulePattern, nextRun: number | null): Promise<StoredSchedule> {
    const stored = this.#rows.get(name);
    if (stored && samePattern(stored, pattern)) return stored;
    const row = { name, cron: pattern.cron, timezone: pattern.timezone, nextRun, lastRun: stored?.lastRun ?? null };
    this.#rows.set(name, row);
    return row;
  }

  async get(name: string): Promise<StoredSchedule | undefined> {
    return this.#rows.get(name);
  }

  async advance(name: string, pattern: SchedulePattern, expected: number, nextRun: number | null, lastRun: number | null): Promise<boolean> {
    const stored = this.#rows.get(name);
    if (!stored || !samePattern(stored, pattern) || stored.nextRun !== expected) return false;
    this.#rows.set(name, { ...stored, nextRun, lastRun });
    return true;
  }

  async list(): Promise<StoredSchedule[]> {
    return [...this.#rows.values()];
  }
}

export function samePattern(a: SchedulePattern, b: SchedulePattern): boolean {
  return a.cron === b.cron && a.timezone === b.timezone;
}
