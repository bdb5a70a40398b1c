import type { Redis } from 'ioredis';
import type { SchedulePattern, ScheduleStore, StoredSchedule } from '@fastts/tasks';

// Both in one Lua script each: Redis runs a script alone, so of processes
// racing for a tick exactly one moves `next` on (the SQLite store's one UPDATE).
const define = `
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if stored then
  local row = cjson.decode(stored)
  if row.cron == ARGV[2] and row.timezone == ARGV[3] then return stored end
  ARGV[5] = row.lastRun and cjson.encode(row.lastRun) or 'null'
end
local text = '{"name":' .. cjson.encode(ARGV[1]) .. ',"cron":' .. cjson.encode(ARGV[2]) .. ',"timezone":' .. cjson.encode(ARGV[3]) .. ',"nextRun":' .. ARGV[4] .. ',"lastRun":' .. ARGV[5] .. '}'
redis.call('HSET', KEYS[1], ARGV[1], text)
return text`;

const advance = `
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if not stored then return 0 end
local row = cjson.decode(stored)
if row.cron ~= ARGV[2] or row.timezone ~= ARGV[3] or row.nextRun == cjson.null or row.nextRun ~= tonumber(ARGV[4]) then return 0 end
local text = '{"name":' .. cjson.encode(ARGV[1]) .. ',"cron":' .. cjson.encode(ARGV[2]) .. ',"timezone":' .. cjson.encode(ARGV[3]) .. ',"nextRun":' .. ARGV[5] .. ',"lastRun":' .. ARGV[6] .. '}'
redis.call('HSET', KEYS[1], ARGV[1], text)
return 1`;

/**
 * Cron schedules in one Redis hash (`<prefix>:fastts:schedules`), shared by
 * every process on the Redis: the compare-and-set on the next run is one Lua
 * script, so each tick fires once across processes.
 */
export class RedisScheduleStore implements ScheduleStore {
  readonly #redis: Redis;
  readonly #key: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#key = `${prefix}:fastts:schedules`;
  }

  async define(name: string, pattern: SchedulePattern, nextRun: number | null): Promise<StoredSchedule> {
    const text = (await this.#redis.eval(define, 1, this.#key, name, pattern.cron, pattern.timezone, String(nextRun), 'null')) as string;
    return JSON.parse(text) as StoredSchedule;
  }

  async get(name: string): Promise<StoredSchedule | undefined> {
    const text = await this.#redis.hget(this.#key, name);
    return text === null ? undefined : (JSON.parse(text) as StoredSchedule);
  }

  async advance(name: string, pattern: SchedulePattern, expected: number, nextRun: number | null, lastRun: number | null): Promise<boolean> {
    const done = await this.#redis.eval(advance, 1, this.#key, name, pattern.cron, pattern.timezone, String(expected), String(nextRun), String(lastRun));
    return done === 1;
  }

  async list(): Promise<StoredSchedule[]> {
    const rows = Object.values(await this.#redis.hgetall(this.#key)).map((text) => JSON.parse(text) as StoredSchedule);
    return rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
