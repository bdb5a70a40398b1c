import type Database from 'better-sqlite3';
import { TaskSetupError } from '@fastts/tasks';

/** How long, and how many, finished records of one kind are kept. Either limit may be left out (no limit). */
export interface KeepRule {
  /** The newest this many (by finish time) are kept. */
  maxCount?: number;
  /** Records finished longer ago than this are deleted. */
  maxAgeMs?: number;
}

/**
 * Which finished records the store keeps. `dead` is the dead-letter state:
 * tasks whose attempts all failed, kept (by default without limit) until
 * retried or deleted, so none is lost silently.
 */
export interface RetentionOptions {
  /** Default: the newest 10 000, at most 7 days. */
  succeeded?: KeepRule;
  /** `failed` and `cancelled` records. Default: the newest 10 000, at most 30 days. */
  failed?: KeepRule;
  /** Default: all. */
  dead?: KeepRule;
  /** How often the purge runs. Default 60 000 ms. */
  intervalMs?: number;
}

const DAY = 24 * 60 * 60 * 1000;
/** Rows deleted per write transaction: short enough that another process's claim never waits long behind it. */
const BATCH = 500;

type Kind = 'succeeded' | 'failed' | 'dead';
const states: Record<Kind, string> = { succeeded: "('succeeded')", failed: "('failed', 'cancelled')", dead: "('dead')" };

/**
 * Deletes finished records past their rule, a batch per write transaction and
 * a turn of the event loop between batches, so a large purge neither holds the
 * file's write lock nor the event loop for long.
 */
export class Retention {
  readonly #rules: Record<Kind, KeepRule>;
  readonly #byAge: Record<Kind, Database.Statement<{ cutoff: number }>>;
  readonly #byCount: Record<Kind, Database.Statement<{ keep: number }>>;
  readonly #timer: NodeJS.Timeout;
  #running: Promise<number> | undefined;
  #stopped = false;

  constructor(db: Database.Database, options: RetentionOptions, onError: (error: unknown) => void) {
    this.#rules = {
      succeeded: rule('succeeded', options.succeeded ?? { maxCount: 10_000, maxAgeMs: 7 * DAY }),
      failed: rule('failed', options.failed ?? { maxCount: 10_000, maxAgeMs: 30 * DAY }),
      dead: rule('dead', options.dead ?? {}),
    };
    const prepare = (kind: Kind) => ({
      age: db.prepare<{ cutoff: number }>(`DELETE FROM fastts_tasks WHERE seq IN (SELECT seq FROM fastts_tasks WHERE state IN ${states[kind]} AND finished_at < @cutoff LIMIT ${BATCH})`),
      count: db.prepare<{ keep: number }>(
        `DELETE FROM fastts_tasks WHERE seq IN (SELECT seq FROM fastts_tasks WHERE state IN ${states[kind]} ORDER BY finished_at DESC, seq DESC LIMIT ${BATCH} OFFSET @keep)`,
      ),
    });
    const made = { succeeded: prepare('succeeded'), failed: prepare('failed'), dead: prepare('dead') };
    this.#byAge = { succeeded: made.succeeded.age, failed: made.failed.age, dead: made.dead.age };
    this.#byCount = { succeeded: made.succeeded.count, failed: made.failed.count, dead: made.dead.count };
    const intervalMs = options.intervalMs ?? 60_000;
    if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', 'sqliteBackend', 'retention.intervalMs', 'a finite number > 0', intervalMs);
    this.#timer = setInterval(() => void this.purge().catch(onError), intervalMs);
    this.#timer.unref();
  }

  /** Runs one purge (or joins the one running); resolves with the number of records deleted. */
  purge(): Promise<number> {
    return (this.#running ??= this.#purge().finally(() => (this.#running = undefined)));
  }

  /** Stops the timer and waits for a purge in progress to end at its next batch. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#running?.catch(() => undefined);
  }

  async #purge(): Promise<number> {
    let deleted = 0;
    for (const kind of ['succeeded', 'failed', 'dead'] as const) {
      const { maxAgeMs, maxCount } = this.#rules[kind];
      if (maxAgeMs !== undefined) deleted += await this.#batches(() => this.#byAge[kind].run({ cutoff: Date.now() - maxAgeMs }).changes);
      if (maxCount !== undefined) deleted += await this.#batches(() => this.#byCount[kind].run({ keep: maxCount }).changes);
    }
    return deleted;
  }

  async #batches(batch: () => number): Promise<number> {
    let deleted = 0;
    while (!this.#stopped) {
      const changes = batch();
      deleted += changes;
      if (changes < BATCH) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return deleted;
  }
}

function rule(kind: Kind, keep: KeepRule): KeepRule {
  for (const key of ['maxCount', 'maxAgeMs'] as const) {
    const value = keep[key];
    if (value !== undefined && (typeof value !== 'number' || !(value >= 0) || (key === 'maxCount' && !Number.isInteger(value) && value !== Infinity))) {
      throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', 'sqliteBackend', `retention.${kind}.${key}`, 'a number >= 0', value);
    }
  }
  return { ...(keep.maxCount === undefined || keep.maxCount === Infinity ? {} : { maxCount: keep.maxCount }), ...(keep.maxAgeMs === undefined || keep.maxAgeMs === Infinity ? {} : { maxAgeMs: keep.maxAgeMs }) };
}
