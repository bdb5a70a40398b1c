import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BullMQBackend, RedisScheduleStore, type BullMQBackendOptions } from '@fastts/tasks-bullmq';
import { Redis } from 'ioredis';
import type { TaskState } from '@fastts/tasks';
import { enqueueOptions } from '../../tasks/test/backend-suite.js';
import { sleep, until as waitUntil } from '../../tasks/test/helpers.js';
import { buildPackages } from './fixtures/processes.js';
import { redisSuite, startRedis, type RunningRedis } from '../../../test/redis.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const suite = redisSuite('BullMQBackend: what the shared suite does not cover');
let redis: RunningRedis;
let prefixes = 0;
const until = (probe: () => boolean | Promise<boolean>) => waitUntil(probe, 5_000);

describe.runIf(suite.run)(suite.title, () => {
  beforeAll(async () => {
    // One test spawns a process that imports the built package.
    await buildPackages();
    redis = await startRedis();
  }, 180_000);
  afterAll(async () => {
    await redis?.stop();
  });
  const open: BullMQBackend[] = [];
  afterEach(async () => {
    for (const backend of open.splice(0)) await backend.close();
  });
  /** Two backends on one prefix are two processes on one Redis. */
  const pair = (options: Partial<BullMQBackendOptions> = {}) => {
    const prefix = `specific${++prefixes}`;
    const make = () => {
      const backend = new BullMQBackend({ connection: { host: '127.0.0.1', port: redis.port }, prefix, ...options });
      open.push(backend);
      return backend;
    };
    return [make(), make()] as const;
  };

  it('stores a staged task at once but runs it only at commit; unstage forgets it', async () => {
    const [api, worker] = pair();
    const ran: string[] = [];
    worker.work('q', async ({ record }) => void ran.push(record.id), { concurrency: 2 });
    expect(await api.stage!('t', [], enqueueOptions('kept'))).toMatchObject({ state: 'queued' });
    await api.stage!('t', [], enqueueOptions('dropped'));
    expect((await worker.get('kept'))?.state).toBe('queued');
    await sleep(200);
    expect(ran).toEqual([]);
    api.commit!('kept');
    api.unstage!('dropped');
    await until(async () => (await api.get('kept'))?.state === 'succeeded');
    await until(async () => (await api.get('dropped')) === undefined);
    expect(ran).toEqual(['kept']);
  });

  it('runs a staged task whose process died before committing, once its stage lease runs out; renewed while the process lives', async () => {
    const [alive, worker] = pair({ stageLeaseMs: 200 });
    const ran: string[] = [];
    worker.work('q', async ({ record }) => void ran.push(record.id), { concurrency: 1 });
    await alive.stage!('t', [], enqueueOptions('held'));
    // Five leases: the living process renews it, so it waits for its commit.
    await sleep(1_000);
    expect(ran).toEqual([]);
    // A process that stages a task, then dies (SIGKILL) before its commit.
    const script = `
      import { BullMQBackend } from '@fastts/tasks-bullmq';
      const backend = new BullMQBackend({ connection: { host: '127.0.0.1', port: ${redis.port} }, prefix: 'specific${prefixes}', stageLeaseMs: 200 });
      await backend.stage('t', [], { id: 'orphan', queue: 'q', priority: 0, maxAttempts: 1, backoff: { type: 'fixed', delayMs: 1, maxDelayMs: 1, jitter: false } });
      process.kill(process.pid, 'SIGKILL');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    const [, signal] = (await once(child, 'exit')) as [number | null, string | null];
    expect(signal).toBe('SIGKILL');
    await until(() => ran.includes('orphan'));
    expect(ran).toEqual(['orphan']);
    alive.commit!('held');
    await until(() => ran.length === 2);
  }, 60_000);

  it('cancels a task running in another process through its signal (a QueueEvents custom event), and forgets its job', async () => {
    const [api, worker] = pair();
    let reason: unknown;
    worker.work('q', ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject((reason = signal.reason)))), { concurrency: 1 });
    await api.enqueue('t', [], enqueueOptions('long'));
    await until(async () => (await api.get('long'))?.state === 'running');
    expect(await api.cancel('long')).toBe(true);
    await until(() => reason !== undefined);
    expect(reason).toMatchObject({ code: 'FASTTS_ERR_TASK_CANCELLED', message: 'task cancelled' });
    expect(await worker.get('long')).toMatchObject({ state: 'cancelled', error: { message: 'task cancelled' } });
    expect(await api.stats()).toMatchObject({ cancelled: 1, failed: 0, running: 0 });
  });

  it("reports another process's changes through peek, each changed task with its record, so the runtime follows them", async () => {
    const [api, worker] = pair();
    const followed = (id: string, state: TaskState, queue = 'q', wantsRecord = true) => ({ id, queue, state, wantsRecord });
    await api.enqueue('t', [{ n: 1 }], enqueueOptions('followed'));
    // An id of digits is stored under another job id (BullMQ refuses integer ids).
    await api.enqueue('t', [], enqueueOptions('12345'));
    await api.enqueue('t', [], enqueueOptions('doomed', { maxAttempts: 1 }));
    await api.enqueue('t', [], enqueueOptions('spent', { maxAttempts: 2, backoff: { type: 'fixed', delayMs: 1, maxDelayMs: 1, jitter: false } }));
    await api.enqueue('t', [], enqueueOptions('again', { maxAttempts: 3, backoff: { type: 'fixed', delayMs: 60_000, maxDelayMs: 60_000, jitter: false } }));
    await api.enqueue('t', [], enqueueOptions('held'));
    expect(await api.peek!([followed('followed', 'queued'), followed('12345', 'queued'), followed('held', 'queued')])).toEqual([]);
    // Not stored, in a queue that does not exist either.
    expect(await api.peek!([followed('never', 'queued'), followed('nowhere', 'queued', 'other')])).toEqual([
      { id: 'never', state: undefined },
      { id: 'nowhere', state: undefined },
    ]);

    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    worker.work(
      'q',
      async ({ record }) => {
        if (record.id === 'held') await gate;
        if (record.id === 'doomed' || record.id === 'again' || record.id === 'spent') throw new Error(`no ${record.id}`);
        return { done: record.id };
      },
      { concurrency: 5 },
    );
    await until(async () => (await api.peek!([followed('held', 'queued')])).length === 1);
    const [running] = await api.peek!([followed('held', 'queued')]);
    expect(running).toMatchObject({ id: 'held', state: 'running', record: { id: 'held', state: 'running', attempts: 1 } });
    // The state the caller saw already is not reported again.
    expect(await api.peek!([followed('held', 'running')])).toEqual([]);

    const known = [followed('followed', 'queued'), followed('12345', 'queued'), followed('doomed', 'queued'), followed('again', 'queued')];
    await until(async () => (await api.peek!(known)).length === 4);
    const changed = new Map((await api.peek!(known)).map((p) => [p.id, p]));
    expect(changed.get('followed')).toMatchObject({ state: 'succeeded', record: { state: 'succeeded', args: [{ n: 1 }], result: { done: 'followed' } } });
    expect(changed.get('12345')).toMatchObject({ state: 'succeeded', record: { id: '12345', result: { done: '12345' } } });
    expect(changed.get('doomed')).toMatchObject({ state: 'failed', record: { state: 'failed', error: { message: 'no doomed' } } });
    expect(changed.get('again')).toMatchObject({ state: 'retrying', record: { state: 'retrying', attempts: 1 } });
    // Each record is the one get() reads.
    for (const [id, peeked] of changed) expect(peeked.record).toEqual(await api.get(id));
    // Nothing waits on these handles: their states alone, dead told apart from failed.
    await until(async () => (await api.get('spent'))?.state === 'dead');
    const quiet = ['followed', '12345', 'doomed', 'spent', 'again'].map((id) => followed(id, 'queued', 'q', false));
    expect(await api.peek!(quiet)).toEqual([
      { id: 'followed', state: 'succeeded' },
      { id: '12345', state: 'succeeded' },
      { id: 'doomed', state: 'failed' },
      { id: 'spent', state: 'dead' },
      { id: 'again', state: 'retrying' },
    ]);

    expect(await api.cancel('again')).toBe(true);
    expect(await api.peek!([followed('again', 'retrying')])).toMatchObject([{ id: 'again', state: 'cancelled', record: { state: 'cancelled' } }]);
    expect(await api.peek!([followed('again', 'retrying', 'q', false)])).toEqual([{ id: 'again', state: 'cancelled' }]);
    release();
    await until(async () => (await api.peek!([followed('held', 'running')])).length === 1);
  });

  it('keeps priorities in BullMQ\'s order: a fastts priority of 0 is not BullMQ\'s 0, which would run first', async () => {
    const [backend] = pair();
    await backend.enqueue('t', [], enqueueOptions('low', { priority: -1 }));
    await backend.enqueue('t', [], enqueueOptions('default', { priority: 0 }));
    await backend.enqueue('t', [], enqueueOptions('high', { priority: 1 }));
    const probe = new Redis({ host: '127.0.0.1', port: redis.port });
    try {
      const prefix = `specific${prefixes}`;
      const priorities = await Promise.all(['low', 'default', 'high'].map((id) => probe.hget(`${prefix}:q:${id}`, 'priority')));
      expect(priorities.map(Number)).toEqual([2 ** 20 + 1, 2 ** 20, 2 ** 20 - 1]);
    } finally {
      probe.disconnect();
    }
  });

  it('stores a burst of tasks enqueued before the first connection, waiting on it once (no listener per call) and naming the new queue once', async () => {
    const warnings: Error[] = [];
    const warn = (warning: Error) => warnings.push(warning);
    process.on('warning', warn);
    const probe = new Redis({ host: '127.0.0.1', port: redis.port });
    try {
      await probe.config('RESETSTAT');
      const [backend] = pair();
      const ids = Array.from({ length: 50 }, (_, i) => `burst-${i}`);
      const records = await Promise.all(ids.map((id) => backend.enqueue('t', [], enqueueOptions(id, { freshId: true }))));
      expect(records.map((r) => r.state)).toEqual(ids.map(() => 'queued'));
      expect((await backend.stats()).queued).toBe(50);
      await sleep(10);
      expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
      // The queue is added to the set of queues by one SADD, not one per task of the burst.
      expect(String(await probe.info('commandstats'))).toMatch(/cmdstat_sadd:calls=1,/);
    } finally {
      process.off('warning', warn);
      probe.disconnect();
    }
  });

  it('answers 503 (TaskBackendUnavailableError) while Redis is down, and works again once it is back, by itself', async () => {
    const own = await startRedis();
    try {
      const backend = new BullMQBackend({ connection: { host: '127.0.0.1', port: own.port }, onError: () => undefined });
      open.push(backend);
      await backend.enqueue('t', [], enqueueOptions('before'));
      // Killed now, started again on the same port 3 s later.
      const back = own.restart({ downMs: 3_000 });
      await sleep(500);
      const unavailable = { status: 503, code: 'FASTTS_ERR_TASK_BACKEND_UNAVAILABLE', detail: expect.stringMatching(/^the task backend \(bullmq\) is unreachable: .*; try again later$/) };
      await expect(backend.enqueue('t', [], enqueueOptions('during'))).rejects.toMatchObject(unavailable);
      await expect(backend.get('before')).rejects.toMatchObject(unavailable);
      await expect(backend.stats()).rejects.toMatchObject(unavailable);
      await back;
      // No append-only file here: the restarted Redis is empty, but the backend answers again without being told.
      await waitUntil(async () => (await backend.enqueue('t', [], enqueueOptions(`after-${Date.now()}`)).catch(() => undefined)) !== undefined, 15_000);
      expect((await backend.stats()).queued).toBe(1);
    } finally {
      await own.stop();
    }
  }, 30_000);

  it('fires each schedule tick once across processes: the compare-and-set is one Lua script', async () => {
    const a = new Redis({ host: '127.0.0.1', port: redis.port });
    const b = new Redis({ host: '127.0.0.1', port: redis.port });
    try {
      const prefix = `schedules${++prefixes}`;
      const [one, two] = [new RedisScheduleStore(a, prefix), new RedisScheduleStore(b, prefix)];
      const pattern = { cron: '* * * * *', timezone: '' };
      const first = await one.define('tick', pattern, 1_700_000_040_000);
      expect(await two.define('tick', pattern, 1_700_000_099_000)).toEqual(first);
      const wins = await Promise.all([one, two, one, two].map((store) => store.advance('tick', pattern, 1_700_000_040_000, 1_700_000_100_000, 1_700_000_040_000)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await two.get('tick')).toEqual({ name: 'tick', cron: '* * * * *', timezone: '', nextRun: 1_700_000_100_000, lastRun: 1_700_000_040_000 });
      // Another pattern replaces the next run and keeps the last.
      expect(await one.define('tick', { cron: '0 * * * *', timezone: 'UTC' }, 1_700_003_600_000)).toMatchObject({ nextRun: 1_700_003_600_000, lastRun: 1_700_000_040_000 });
      expect(await one.list()).toHaveLength(1);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });
});
