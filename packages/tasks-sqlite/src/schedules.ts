import type Database from 'better-sqlite3';
import type { SchedulePattern, ScheduleStore, StoredSchedule } from '@fastts/tasks';

// Its own table, created here: schedules came after the task schema, whose version they leave alone.
// `timezone` is '' for the process's local time, so that equality needs no NULL case. Times are epoch ms.
const schema = `
CREATE TABLE IF NOT EXISTS fastts_schedules (
  name TEXT PRIMARY KEY,
  cron TEXT NOT NULL,
  timezone TEXT NOT NULL,
  next_run INTEGER,
  last_run INTEGER,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

interface ScheduleRow {
  name: string;
  cron: string;
  timezone: string;
  next_run: number | null;
  last_run: number | null;
}

/**
 * Schedules in the task file, shared by every process that opens it: the
 * compare-and-set on `next_run` is one UPDATE, so one write transaction, and
 * of processes racing for a tick exactly one moves it on.
 */
export class SqliteScheduleStore implements ScheduleStore {
  readonly #sql: ReturnType<typeof statements>;

  constructor(db: Database.Database) {
    db.exec(schema);
    this.#sql = statements(db);
  }

  async define(name: string, pattern: SchedulePattern, nextRun: number | null): Promise<StoredSchedule> {
    return toStored(this.#sql.define.immediate(name, pattern, nextRun, Date.now()));
  }

  async get(name: string): Promise<StoredSchedule | undefined> {
    const row = this.#sql.get.get(name);
    return row && toStored(row);
  }

  async advance(name: string, pattern: SchedulePattern, expected: number, nextRun: number | null, lastRun: number | null): Promise<boolean> {
    return this.#sql.advance.run({ name, cron: pattern.cron, timezone: pattern.timezone, expected, nextRun, lastRun, now: Date.now() }).changes === 1;
  }

  async list(): Promise<StoredSchedule[]> {
    return this.#sql.list.all().map(toStored);
  }
}

function toStored(row: ScheduleRow): StoredSchedule {
  return { name: row.name, cron: row.cron, timezone: row.timezone, nextRun: row.next_run, lastRun: row.last_run };
}

function statements(db: Database.Database) {
  const get = db.prepare<[string], ScheduleRow>('SELECT name, cron, timezone, next_run, last_run FROM fastts_schedules WHERE name = ?');
  // A changed pattern keeps the last run: it happened, whatever the cron is now.
  const upsert = db.prepare<{ name: string; cron: string; timezone: string; nextRun: number | null; now: number }, ScheduleRow>(`
    INSERT INTO fastts_schedules (name, cron, timezone, next_run, updated_at) VALUES (@name, @cron, @timezone, @nextRun, @now)
    ON CONFLICT (name) DO UPDATE SET cron = excluded.cron, timezone = excluded.timezone, next_run = excluded.next_run, updated_at = excluded.updated_at
    RETURNING name, cron, timezone, next_run, last_run`);
  return {
    get,
    list: db.prepare<[], ScheduleRow>('SELECT name, cron, timezone, next_run, last_run FROM fastts_schedules ORDER BY name'),
    // One write transaction: two processes defining the same schedule at once see one row.
    define: db.transaction((name: string, pattern: SchedulePattern, nextRun: number | null, now: number): ScheduleRow => {
      const stored = get.get(name);
      if (stored && stored.cron === pattern.cron && stored.timezone === pattern.timezone) return stored;
      return upsert.get({ name, cron: pattern.cron, timezone: pattern.timezone, nextRun, now })!;
    }),
    advance: db.prepare<{ name: string; cron: string; timezone: string; expected: number; nextRun: number | null; lastRun: number | null; now: number }>(`
      UPDATE fastts_schedules SET next_run = @nextRun, last_run = @lastRun, updated_at = @now
      WHERE name = @name AND cron = @cron AND timezone = @timezone AND next_run = @expected`),
  };
}
