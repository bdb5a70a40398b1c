import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisSuite, startRedis, type RunningRedis } from '../../../test/redis.js';
import { buildPackages, idCounts, kill, post, sleep, startServer, until, type ServerProcess } from './fixtures/processes.js';

// Issue 19's fault tests on Redis: a worker killed with SIGKILL in the middle
// of 10 000 tasks, and Redis itself killed and restarted (append-only file on)
// in the middle of traffic.

const suite = redisSuite('BullMQ backend: faults');
const folder = mkdtempSync(join(tmpdir(), 'fastts-bullmq-faults-'));
const servers: ServerProcess[] = [];
const redises: RunningRedis[] = [];

describe.runIf(suite.run)(suite.title, () => {
  beforeAll(buildPackages, 180_000);
  afterEach(async () => {
    for (const server of servers.splice(0)) server.stop();
    for (const redis of redises.splice(0)) await redis.stop();
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  const redisOn = async (appendonly: boolean) => {
    const redis = await startRedis({ appendonly });
    redises.push(redis);
    return redis;
  };
  const start = async (env: Record<string, string>) => {
    const server = await startServer(env, 170_000);
    servers.push(server);
    return server;
  };

  it('a worker killed with SIGKILL while running 1,000 of 10,000 tasks: every task completes, and only those running at the kill run twice', async () => {
    const redis = await redisOn(false);
    const done = join(folder, 'kill-done.txt');
    const env = { REDIS_PORT: String(redis.port), PREFIX: 'kill', DONE_FILE: done, LOCK_MS: '2000', STALLED_MS: '1000' };
    const api = await start({ ...env, WORK: 'false' });
    const accepted: string[] = [];
    let next = 0;
    const client = async () => {
      while (next < 100) {
        next++;
        const { status, ids } = await post(`${api.url}/work?count=100&ms=300`);
        expect(status).toBe(200);
        accepted.push(...ids);
      }
    };
    await Promise.all([client(), client(), client(), client()]);
    expect(new Set(accepted).size).toBe(10_000);

    const probe = new Redis({ host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: 1 });
    try {
      const first = await start({ ...env, CONCURRENCY: '1000' });
      await until('1,000 tasks running in the first worker', async () => (await probe.llen('kill:default:active')) >= 1_000, 60_000, 20);
      await kill(first);
      // The jobs the dead worker held: BullMQ's active list keeps them until a stalled check takes them back.
      const runningAtKill = new Set(await probe.lrange('kill:default:active', 0, -1));
      expect(runningAtKill.size).toBeGreaterThanOrEqual(1_000);
      expect(idCounts(done).size).toBeLessThan(10_000);

      await start({ ...env, CONCURRENCY: '200' });
      await until('every accepted task done', () => idCounts(done).size === 10_000, 120_000, 200);
      const counts = idCounts(done);
      for (const id of accepted) expect(counts.has(id)).toBe(true);
      const twice = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
      expect(twice.filter((id) => !runningAtKill.has(id))).toEqual([]);
      expect(Math.max(...counts.values())).toBeLessThanOrEqual(2);
    } finally {
      probe.disconnect();
    }
  }, 240_000);

  it('Redis killed and restarted with its append-only file: no acknowledged task lost, 503 during the outage, and the server reconnects by itself', async () => {
    const redis = await redisOn(true);
    const done = join(folder, 'restart-done.txt');
    // A short stage lease: a task whose commit did not reach Redis (it went down after the response) runs soon anyway.
    const env = { REDIS_PORT: String(redis.port), PREFIX: 'restart', DONE_FILE: done, STAGE_LEASE_MS: '3000' };
    const api = await start({ ...env, WORK: 'false' });
    await start({ ...env, CONCURRENCY: '20' });
    const accepted: string[] = [];
    const refused: { status: number; body: unknown }[] = [];
    let stop = false;
    const client = async () => {
      for (let i = 0; i < 2_000 && !stop; i++) {
        const { status, ids, body } = await post(`${api.url}/work?count=5&ms=5`).catch(() => ({ status: 0, ids: [], body: undefined }));
        if (status === 200) accepted.push(...ids);
        else refused.push({ status, body });
        await sleep(10);
      }
    };
    const clients = Promise.all([client(), client()]);
    await until('tasks accepted before the outage', () => accepted.length >= 200, 30_000);
    await redis.restart({ downMs: 1_500 });
    const acceptedAtRestart = accepted.length;
    await until('tasks accepted after the restart', () => accepted.length >= acceptedAtRestart + 200, 60_000);
    stop = true;
    await clients;

    // The outage was answered with the documented error, and nothing else went wrong.
    expect(refused.length).toBeGreaterThan(0);
    for (const { status, body } of refused) {
      expect(status).toBe(503);
      expect((body as { detail: string }).detail).toMatch(/^the task backend \(bullmq\) is unreachable: .*; try again later$/);
    }
    await until('every acknowledged task done', () => {
      const counts = idCounts(done);
      return accepted.every((id) => counts.has(id));
    }, 90_000, 200);
  }, 240_000);
});
