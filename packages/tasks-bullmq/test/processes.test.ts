import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisSuite, startRedis, type RunningRedis } from '../../../test/redis.js';
import { buildPackages, idCounts, kill, post, startServer, until, type ServerProcess } from './fixtures/processes.js';

// Issue 19, item 2's backend half: an API process and worker processes on one
// Redis, each a real process running the built packages.

const suite = redisSuite('BullMQ backend: several processes on one Redis');
const folder = mkdtempSync(join(tmpdir(), 'fastts-bullmq-processes-'));
let redis: RunningRedis;
const servers: ServerProcess[] = [];

describe.runIf(suite.run)(suite.title, () => {
  beforeAll(async () => {
    await buildPackages();
    redis = await startRedis();
  }, 180_000);
  afterAll(async () => {
    for (const server of servers) server.stop();
    await redis?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string>) => {
    const server = await startServer({ REDIS_PORT: String(redis.port), ...env });
    servers.push(server);
    return server;
  };
  const taskState = async (url: string, id: string) => {
    const response = await fetch(`${url}/tasks/${id}`);
    return response.status === 200 ? ((await response.json()) as { state: string }).state : `HTTP ${response.status}`;
  };

  it('a task added through an API process that runs none is run by a worker process; GET /tasks/{id} is right from either', async () => {
    const done = join(folder, 'two-processes.txt');
    const env = { PREFIX: 'two', DONE_FILE: done };
    const api = await start({ ...env, WORK: 'false' });
    const worker = await start(env);
    const { status, ids } = await post(`${api.url}/work?count=5&ms=20`);
    expect(status).toBe(200);
    expect(ids).toHaveLength(5);
    await until('the worker ran the five tasks', () => idCounts(done).size === 5, 20_000);
    for (const id of ids) {
      await until(`task ${id} succeeded, seen from the API`, async () => (await taskState(api.url, id)) === 'succeeded', 10_000);
      expect(await taskState(worker.url, id)).toBe('succeeded');
    }
    // Each ran once, in the worker: the API process runs none.
    expect([...idCounts(done).values()]).toEqual([1, 1, 1, 1, 1]);
  }, 60_000);

  it('recovers the task of a worker killed with SIGKILL mid-task: BullMQ\'s stalled check hands it to another worker', async () => {
    const done = join(folder, 'stalled-done.txt');
    const started = join(folder, 'stalled-started.txt');
    // A short lock and stalled check, so the dead worker's job is taken again within seconds.
    const env = { PREFIX: 'stalled', DONE_FILE: done, STARTED_FILE: started, LOCK_MS: '1000', STALLED_MS: '500' };
    const first = await start(env);
    const { ids } = await post(`${first.url}/work?count=1&ms=4000`);
    await until('the first worker started the task', () => idCounts(started).has(ids[0]!), 10_000);
    await kill(first);
    expect(idCounts(done).size).toBe(0);
    const second = await start(env);
    await until('the second worker completed it', async () => (await taskState(second.url, ids[0]!)) === 'succeeded', 30_000, 100);
    // Started twice (once in each worker), done once.
    expect(idCounts(started).get(ids[0]!)).toBe(2);
    expect(idCounts(done).get(ids[0]!)).toBe(1);
    const record = (await (await fetch(`${second.url}/tasks/${ids[0]}`)).json()) as { attempts: number };
    expect(record.attempts).toBe(2);
  }, 90_000);
});
