import type { Job } from 'bullmq';
import type { AttemptInfo, BackoffOptions, EnqueueOptions, Json, TaskErrorInfo, TaskRecord, TaskState } from '@fastts/tasks';

/** One finished attempt as the job keeps it: times in epoch ms; `o` the state it led to. */
export interface StoredAttempt {
  n: number;
  s: number;
  e: number;
  err?: TaskErrorInfo;
  o: 'retrying' | 'failed' | 'dead' | 'queued';
}

/**
 * What fastts keeps in a BullMQ job's `data`, beside the arguments: what the
 * record needs and BullMQ has no field for. Short keys: every job carries them.
 */
export interface FastTsFields {
  /** The fastts priority (BullMQ's is derived from it). */
  p: number;
  m: number;
  b: BackoffOptions;
  /** Creation time with sub-millisecond order (performance.timeOrigin + now()), for "newest first". */
  t: number;
  k?: string;
  rq?: string;
  rt?: string;
  /** The next run of a delayed task or a retry (epoch ms). */
  at?: number;
  /** Attempts that ended in failure, or were handed back; a successful or running attempt is read from the job. */
  h: StoredAttempt[];
}

export interface JobData {
  a: Json[];
  f: FastTsFields;
}

export type FastTsJob = Job<JobData, unknown, string>;

/**
 * fastts: higher runs sooner, any integer, 0 by default. BullMQ: 1 (first) to
 * 2^21 - 1 (last), and 0 means "no priority", which runs before every
 * prioritized job. So every job gets a priority (never 0), centred at 2^20:
 * fastts 0 is BullMQ 1,048,576, fastts 9 is 1,048,567. Beyond ±1,048,575 the
 * order is clamped.
 */
export function bullmqPriority(priority: number): number {
  return Math.min(2 ** 21 - 1, Math.max(1, 2 ** 20 - Math.round(priority)));
}

/**
 * BullMQ refuses a job id that is an integer (it would clash with its own
 * counter ids); fastts's are UUIDs, but any string is allowed, so an integer
 * id is stored with a prefix.
 */
export function jobIdOf(id: string): string {
  return /^\d+$/.test(id) ? `fastts-id-${id}` : id;
}

export function taskIdOf(jobId: string): string {
  return jobId.startsWith('fastts-id-') ? jobId.slice('fastts-id-'.length) : jobId;
}

let last = 0;
/** Strictly increasing in this process; near wall-clock order across processes. */
export function createdStamp(): number {
  const now = performance.timeOrigin + performance.now();
  last = now > last ? now : last + 0.001;
  return last;
}

export function jobData(args: Json[], options: EnqueueOptions): JobData {
  const f: FastTsFields = { p: options.priority, m: options.maxAttempts, b: options.backoff, t: createdStamp(), h: [] };
  if (options.dedupeKey !== undefined) f.k = options.dedupeKey;
  if (options.requestId !== undefined) f.rq = options.requestId;
  if (options.route !== undefined) f.rt = options.route;
  if (options.runAt !== undefined) f.at = options.runAt;
  return { a: args, f };
}

/** BullMQ's state of a job, as fastts names it. `retrying`: delayed after a failed attempt. */
export function stateOf(job: FastTsJob, bullState: string): TaskState {
  switch (bullState) {
    case 'active':
      return 'running';
    case 'completed':
      return 'succeeded';
    case 'failed': {
      const last = job.data.f.h.at(-1);
      if (last && (last.o === 'failed' || last.o === 'dead')) return last.o;
      // Failed by BullMQ itself: its process died more often than maxStalls allows.
      return job.data.f.m > 1 ? 'dead' : 'failed';
    }
    case 'delayed':
      return job.data.f.h.at(-1)?.o === 'retrying' ? 'retrying' : 'queued';
    default:
      // waiting, prioritized, paused, waiting-children
      return 'queued';
  }
}

/**
 * The record of a job in `state`; `cancelled` closes the running attempt of a
 * cancelled one. The record shares the job's arguments (`args` replaces them)
 * and its result: pass a copy of the arguments while the job's data is still
 * written back (a running attempt), and see `ownResult` for a result.
 */
export function toRecord(job: FastTsJob, state: TaskState, cancelled?: { error: TaskErrorInfo; at: number }, args: Json[] = job.data.a): TaskRecord {
  const f = job.data.f;
  const history: AttemptInfo[] = f.h.map((a) => ({ attempt: a.n, startedAt: new Date(a.s), finishedAt: new Date(a.e), ...(a.err ? { error: { ...a.err } } : {}) }));
  const started = job.attemptsStarted ?? 0;
  // The attempt running, or the one that succeeded (or was cancelled): BullMQ keeps its times.
  const current = job.processedOn !== undefined && (state === 'running' || state === 'succeeded' || (cancelled && started > (f.h.at(-1)?.n ?? 0)));
  if (current) {
    const finished = state === 'succeeded' ? job.finishedOn : cancelled?.at;
    history.push({ attempt: started, startedAt: new Date(job.processedOn!), ...(finished !== undefined ? { finishedAt: new Date(finished) } : {}) });
  }
  const lastError = cancelled?.error ?? (state === 'succeeded' ? undefined : (copyError(f.h.at(-1)?.err) ?? (state === 'failed' || state === 'dead' ? { name: 'TaskStalled', message: job.failedReason } : undefined)));
  const finishedAt = cancelled ? cancelled.at : state === 'succeeded' || state === 'failed' || state === 'dead' ? (job.finishedOn ?? f.h.at(-1)?.e) : undefined;
  const runAt = (state === 'queued' || state === 'retrying') && f.at !== undefined && f.at > Date.now() ? f.at : undefined;
  // BullMQ starts every job at 0: a task that reported 0 shows none.
  const progress = typeof job.progress === 'number' && job.progress !== 0 ? job.progress : undefined;
  const startedAt = current ? job.processedOn : f.h.at(-1)?.s;
  return {
    id: taskIdOf(job.id!),
    name: job.name,
    queue: job.queueName,
    args,
    state,
    priority: f.p,
    attempts: started,
    maxAttempts: f.m,
    createdAt: new Date(job.timestamp),
    ...(startedAt !== undefined ? { startedAt: new Date(startedAt) } : {}),
    ...(finishedAt !== undefined ? { finishedAt: new Date(finishedAt) } : {}),
    ...(runAt !== undefined ? { runAt: new Date(runAt) } : {}),
    ...(progress !== undefined ? { progress } : {}),
    ...(state === 'succeeded' ? { result: job.returnvalue ?? undefined } : {}),
    ...(lastError ? { error: lastError } : {}),
    history,
    ...(f.rq !== undefined ? { requestId: f.rq } : {}),
    ...(f.rt !== undefined ? { route: f.rt } : {}),
  };
}

function copyError(error: TaskErrorInfo | undefined): TaskErrorInfo | undefined {
  return error && { ...error };
}

/**
 * A task's result as its record carries it: the value the task returned may
 * still be the task's own object (a cache it keeps changing), so an object is
 * copied; one structuredClone cannot copy (a function inside) is copied as
 * JSON, which is what any other process reads from Redis.
 */
export function ownResult(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  try {
    return structuredClone(value);
  } catch {
    return JSON.parse(JSON.stringify(value)) as unknown;
  }
}

/** The record of a task that never reached BullMQ or left it: a duplicate, or one enqueued after close. */
export function detachedRecord(name: string, args: Json[], options: EnqueueOptions, error: TaskErrorInfo, duplicateOf?: string): TaskRecord {
  const now = new Date();
  return {
    id: options.id,
    name,
    queue: options.queue,
    args,
    state: 'cancelled',
    priority: options.priority,
    attempts: 0,
    maxAttempts: options.maxAttempts,
    createdAt: now,
    finishedAt: now,
    error,
    history: [],
    ...(duplicateOf !== undefined ? { duplicateOf } : {}),
    ...(options.requestId !== undefined ? { requestId: options.requestId } : {}),
    ...(options.route !== undefined ? { route: options.route } : {}),
  };
}
