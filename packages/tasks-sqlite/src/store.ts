import Database from 'better-sqlite3';
import { TaskSetupError } from '@fastts/tasks';

/** Bumped when the table changes; a file written by a newer schema is refused rather than misread. */
export const schemaVersion = 1;

// `seq` is the enqueue order; `run_at` is when a task became (or becomes) runnable,
// so a claim takes the highest priority, then the longest waiting. Times are epoch ms.
const schema = `
CREATE TABLE IF NOT EXISTS fastts_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fastts_tasks (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  queue TEXT NOT NULL,
  args TEXT NOT NULL,
  state TEXT NOT NULL,
  priority INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  backoff TEXT NOT NULL,
  dedupe_key TEXT,
  run_at INTEGER NOT NULL,
  locked_until INTEGER,
  owner TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  progress REAL,
  result TEXT,
  error TEXT,
  history TEXT NOT NULL DEFAULT '[]',
  duplicate_of TEXT,
  request_id TEXT,
  route TEXT
);
CREATE INDEX IF NOT EXISTS fastts_tasks_claim ON fastts_tasks (queue, state, priority DESC, run_at, seq);
CREATE INDEX IF NOT EXISTS fastts_tasks_dedupe ON fastts_tasks (name, dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS fastts_tasks_finished ON fastts_tasks (state, finished_at);
CREATE INDEX IF NOT EXISTS fastts_tasks_leased ON fastts_tasks (state, locked_until) WHERE owner IS NOT NULL;
`;

/**
 * Opens (creating if needed) the task store at `path`: WAL, so readers never
 * wait for the writer; `synchronous=NORMAL`, durable across a process crash
 * (a power cut may lose the last commits, not corrupt the file); a busy
 * timeout, so a lock held elsewhere fails after `busyTimeoutMs` instead of
 * hanging. It writes once before returning, so a read-only file fails here,
 * at start, not at the first task.
 */
export function openStore(path: string, busyTimeoutMs: number): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: busyTimeoutMs });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(schema);
    const stored = db.prepare<[], { value: string }>("SELECT value FROM fastts_meta WHERE key = 'schema'").get();
    if (stored && Number(stored.value) > schemaVersion) throw new TaskSetupError('FASTTS_ERR_TASK_STORE_OPEN', path, `its schema version ${stored.value} is newer than this package's (${schemaVersion})`);
    db.prepare("INSERT INTO fastts_meta (key, value) VALUES ('schema', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(String(schemaVersion));
    return db;
  } catch (error) {
    db?.close();
    throw storeError(path, busyTimeoutMs, error);
  }
}

/** The coded error for a failure of SQLite at open. */
function storeError(path: string, busyTimeoutMs: number, error: unknown): unknown {
  if (error instanceof TaskSetupError) return error;
  const code = String((error as { code?: unknown }).code ?? '');
  const message = error instanceof Error ? error.message : String(error);
  let coded: TaskSetupError;
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) coded = new TaskSetupError('FASTTS_ERR_TASK_STORE_CORRUPT', path, message);
  else if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) coded = new TaskSetupError('FASTTS_ERR_TASK_STORE_LOCKED', path, busyTimeoutMs, message);
  else if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM')) coded = new TaskSetupError('FASTTS_ERR_TASK_STORE_READ_ONLY', path, message);
  else coded = new TaskSetupError('FASTTS_ERR_TASK_STORE_OPEN', path, message);
  (coded as { cause?: unknown }).cause = error;
  return coded;
}
