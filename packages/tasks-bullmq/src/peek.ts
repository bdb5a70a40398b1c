import { Job, raw2NextJobData, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FollowedTask, PeekedTask, TaskState } from '@fastts/tasks';
import { jobIdOf, stateOf, taskIdOf, toRecord, type FastTsJob, type JobData } from './job-data.js';
import { reviveTombstone } from './tombstones.js';

/**
 * The state of each followed job, in one script per queue and chunk: where
 * BullMQ keeps it (completed and failed sets, the lock of an active job, the
 * delayed set with fastts's retrying set) or a cancelled record. A job whose
 * state is not the one the caller saw comes back with its state, and with its
 * hash (or the cancelled record) when the caller wants its record, so a
 * change costs no second round trip.
 *
 * ARGV: the queue's key prefix (`<prefix>:<queue>:`), the cancelled records'
 * key prefix, the queue's retrying and dead sets; then per job its id and the
 * code the caller saw, in capitals when it wants the record. Codes: q queued,
 * r running, y retrying, s succeeded, f failed, d dead, c cancelled, g gone.
 */
const script = `
local base, cancelled, retrying, dead = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local out = {}
for i = 5, #ARGV, 2 do
  local id, seen = ARGV[i], string.lower(ARGV[i + 1])
  local wants = seen ~= ARGV[i + 1]
  local task = id
  if string.sub(id, 1, 10) == 'fastts-id-' then task = string.sub(id, 11) end
  local key = base .. id
  local code
  if redis.call('EXISTS', key) == 0 then
    if redis.call('EXISTS', cancelled .. task) == 1 then code = 'c' else code = 'g' end
  elseif redis.call('ZSCORE', base .. 'completed', id) then code = 's'
  elseif redis.call('ZSCORE', base .. 'failed', id) then
    if redis.call('SISMEMBER', dead, task) == 1 then code = 'd' else code = 'f' end
  elseif redis.call('EXISTS', key .. ':lock') == 1 then code = 'r'
  elseif redis.call('SISMEMBER', retrying, task) == 1 and redis.call('ZSCORE', base .. 'delayed', id) then code = 'y'
  else code = 'q' end
  if code ~= seen then
    out[#out + 1] = id
    out[#out + 1] = code
    if not wants or code == 'g' then out[#out + 1] = ''
    elseif code == 'c' then out[#out + 1] = redis.call('GET', cancelled .. task) or ''
    else out[#out + 1] = redis.call('HGETALL', key) end
  end
end
return out
`;

const codes: Record<TaskState, string> = { queued: 'q', running: 'r', retrying: 'y', succeeded: 's', failed: 'f', dead: 'd', cancelled: 'c' };
/** Ids per script call: a call blocks Redis while it runs (about 4 lookups per id). */
const CHUNK = 1_000;

interface PeekCommand {
  fasttsPeek(...argv: string[]): Promise<unknown[]>;
}

export interface PeekKeys {
  /** `<prefix>:<queue>:`, BullMQ's key prefix of a queue's jobs and sets. */
  queue(name: string): string;
  cancelled: string;
  retrying(queue: string): string;
  dead(queue: string): string;
}

/** `peek` for the BullMQ backend: the followed tasks whose state changed, with their records. */
export class StatePeek {
  readonly #redis: Redis & PeekCommand;
  readonly #keys: PeekKeys;
  readonly #queue: (name: string) => Queue<JobData>;

  constructor(redis: Redis, keys: PeekKeys, queue: (name: string) => Queue<JobData>) {
    if (!('fasttsPeek' in redis)) redis.defineCommand('fasttsPeek', { numberOfKeys: 0, lua: script });
    this.#redis = redis as Redis & PeekCommand;
    this.#keys = keys;
    this.#queue = queue;
  }

  async peek(followed: readonly FollowedTask[]): Promise<PeekedTask[]> {
    const byQueue = new Map<string, FollowedTask[]>();
    for (const task of followed) {
      let tasks = byQueue.get(task.queue);
      if (!tasks) byQueue.set(task.queue, (tasks = []));
      tasks.push(task);
    }
    const calls: Promise<PeekedTask[]>[] = [];
    for (const [queue, tasks] of byQueue) {
      for (let i = 0; i < tasks.length; i += CHUNK) calls.push(this.#peekChunk(queue, tasks.slice(i, i + CHUNK)));
    }
    return (await Promise.all(calls)).flat();
  }

  async #peekChunk(queue: string, tasks: FollowedTask[]): Promise<PeekedTask[]> {
    const argv = [this.#keys.queue(queue), this.#keys.cancelled, this.#keys.retrying(queue), this.#keys.dead(queue)];
    for (const task of tasks) argv.push(jobIdOf(task.id), task.wantsRecord ? codes[task.state].toUpperCase() : codes[task.state]);
    const reply = await this.#redis.fasttsPeek(...argv);
    const out: PeekedTask[] = [];
    for (let i = 0; i < reply.length; i += 3) {
      const jobId = reply[i] as string;
      const code = reply[i + 1] as string;
      const body = reply[i + 2] as string | string[];
      const id = taskIdOf(jobId);
      if (code === 'g') {
        out.push({ id, state: undefined });
      } else if (body === '') {
        // Its record is not wanted (or the cancelled record expired meanwhile: the runtime reads it).
        out.push({ id, state: codeStates[code] });
      } else if (code === 'c') {
        const { record } = reviveTombstone(body as string);
        out.push({ id, state: record.state, record });
      } else {
        const [json] = raw2NextJobData([body]) as [Parameters<typeof Job.fromJSON>[1] | null];
        // Removed between the lookups and the read (retention): as gone.
        if (!json) {
          out.push({ id, state: undefined });
          continue;
        }
        const job = Job.fromJSON(this.#queue(queue), json, jobId) as FastTsJob;
        if (!job.data?.f) continue;
        const state = stateOf(job, bullStates[code]!);
        out.push({ id, state, record: toRecord(job, state) });
      }
    }
    return out;
  }
}

/** The fastts state of a code, told without the job. A job BullMQ failed itself (stalled too often) reads `failed` here, `dead` in its record when it had attempts left. */
const codeStates: Record<string, TaskState> = { q: 'queued', r: 'running', y: 'retrying', s: 'succeeded', f: 'failed', d: 'dead', c: 'cancelled' };

/** The BullMQ state `stateOf` reads each code as. */
const bullStates: Record<string, string> = { q: 'waiting', r: 'active', y: 'delayed', s: 'completed', f: 'failed', d: 'failed' };
