import type { AttemptInfo, BackoffOptions, Json, TaskErrorInfo, TaskRecord, TaskState } from '@fastts/tasks';

/** A row of `fastts_tasks`, as better-sqlite3 returns it. */
export interface TaskRow {
  seq: number;
  id: string;
  name: string;
  queue: string;
  args: string;
  state: TaskState;
  priority: number;
  attempts: number;
  max_attempts: number;
  backoff: string;
  dedupe_key: string | null;
  run_at: number;
  locked_until: number | null;
  owner: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  progress: number | null;
  result: string | null;
  error: string | null;
  history: string;
  duplicate_of: string | null;
  request_id: string | null;
  route: string | null;
}

interface StoredAttempt {
  attempt: number;
  startedAt: number;
  finishedAt?: number;
  error?: TaskErrorInfo;
}

/** The record a row stands for: a fresh object, so a caller changing it changes nothing. */
export function toRecord(row: TaskRow): TaskRecord {
  const history = (JSON.parse(row.history) as StoredAttempt[]).map(
    (a): AttemptInfo => ({ attempt: a.attempt, startedAt: new Date(a.startedAt), ...(a.finishedAt === undefined ? {} : { finishedAt: new Date(a.finishedAt) }), ...(a.error ? { error: a.error } : {}) }),
  );
  return {
    id: row.id,
    name: row.name,
    queue: row.queue,
    args: JSON.parse(row.args) as Json[],
    state: row.state,
    priority: row.priority,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    createdAt: new Date(row.created_at),
    startedAt: row.started_at === null ? undefined : new Date(row.started_at),
    finishedAt: row.finished_at === null ? undefined : new Date(row.finished_at),
    // A retry's next attempt, or a delayed task not yet due.
    runAt: row.state === 'retrying' || (row.state === 'queued' && row.run_at > Date.now()) ? new Date(row.run_at) : undefined,
    progress: row.progress ?? undefined,
    result: row.result === null ? undefined : JSON.parse(row.result),
    error: row.error === null ? undefined : (JSON.parse(row.error) as TaskErrorInfo),
    history,
    duplicateOf: row.duplicate_of ?? undefined,
    requestId: row.request_id ?? undefined,
    route: row.route ?? undefined,
  };
}

export function backoffOf(row: TaskRow): BackoffOptions {
  return JSON.parse(row.backoff) as BackoffOptions;
}

/** A task's result as JSON text; a value JSON cannot hold (a BigInt, a cycle) is kept as its string form. */
export function encodeResult(result: unknown): string | null {
  if (result === undefined) return null;
  try {
    return JSON.stringify(result) ?? null;
  } catch {
    return JSON.stringify(String(result));
  }
}
