import type { Redis } from 'ioredis';
import type { TaskRecord } from '@fastts/tasks';
import type { JobData } from './job-data.js';

/** A cancelled record; `t` orders it among jobs (see FastTsFields.t); `data`, to queue it again on retry. */
export interface Tombstone {
  record: TaskRecord;
  t: number;
  data?: JobData;
}

/** How long, and how many per queue, cancelled records are kept (fastts's default for failed and cancelled). */
export interface TombstoneRetention {
  maxCount: number;
  maxAgeMs: number;
}

/**
 * BullMQ has no cancelled state: a cancelled job is removed from its queue
 * (so it never runs, and its dedupe key is freed) and its last record is kept
 * here, under its own key with a time to live, indexed per queue by time.
 * A duplicate (never a job) is kept the same way.
 */
export class Tombstones {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #retention: TombstoneRetention;

  constructor(redis: Redis, prefix: string, retention: TombstoneRetention) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#retention = retention;
  }

  /** The key of `id`'s cancelled record: enqueue checks it together with the job's key. */
  keyOf(id: string): string {
    return this.#key(id);
  }

  #key(id: string): string {
    return `${this.#prefix}:fastts:cancelled:${id}`;
  }

  #index(queue: string): string {
    return `${this.#prefix}:fastts:cancelled-index:${queue}`;
  }

  async put(record: TaskRecord, t: number, data?: JobData): Promise<void> {
    const at = record.finishedAt?.getTime() ?? Date.now();
    const index = this.#index(record.queue);
    await this.#redis
      .multi()
      .set(this.#key(record.id), JSON.stringify({ record, t, data }), 'PX', this.#retention.maxAgeMs)
      .zadd(index, at, record.id)
      .zremrangebyscore(index, '-inf', at - this.#retention.maxAgeMs)
      .zremrangebyrank(index, 0, -(this.#retention.maxCount + 1))
      .exec();
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    return (await this.entry(id))?.record;
  }

  async entry(id: string): Promise<Tombstone | undefined> {
    const text = await this.#redis.get(this.#key(id));
    return text === null ? undefined : reviveTombstone(text);
  }

  async delete(record: TaskRecord): Promise<void> {
    await this.#redis.multi().del(this.#key(record.id)).zrem(this.#index(record.queue), record.id).exec();
  }

  async count(queue: string): Promise<number> {
    return this.#redis.zcount(this.#index(queue), Date.now() - this.#retention.maxAgeMs, '+inf');
  }

  /** Newest first. */
  async list(queue: string, limit: number): Promise<Tombstone[]> {
    const ids = await this.#redis.zrevrange(this.#index(queue), 0, Number.isFinite(limit) ? limit - 1 : -1);
    if (ids.length === 0) return [];
    const texts = await this.#redis.mget(ids.map((id) => this.#key(id)));
    return texts.filter((text): text is string => text !== null).map(reviveTombstone);
  }
}

const dates = new Set(['createdAt', 'startedAt', 'finishedAt', 'runAt']);

/** A cancelled record as stored (JSON), with its dates as Dates again. */
export function reviveTombstone(text: string): Tombstone {
  const entry = JSON.parse(text) as Tombstone;
  const record = entry.record;
  for (const key of dates) {
    const value = (record as unknown as Record<string, unknown>)[key];
    if (typeof value === 'string') (record as unknown as Record<string, unknown>)[key] = new Date(value);
  }
  for (const attempt of record.history) {
    (attempt as { startedAt: Date }).startedAt = new Date(attempt.startedAt);
    if (attempt.finishedAt !== undefined) (attempt as { finishedAt: Date }).finishedAt = new Date(attempt.finishedAt);
  }
  return entry;
}
