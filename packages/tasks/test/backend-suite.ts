import { afterEach, describe, expect, it } from 'vitest';
import { NonRetryableError, TaskCancelledError, TaskTimeoutError, type ClaimedTask, type EnqueueOptions, type TaskBackend, type TaskRecord } from '@fastts/tasks';
import { resolveBackoff } from '../src/backoff.js';
import { sleep, until as waitUntil } from './helpers.js';

/** What a backend under test is built with: the suite pins the jitter. */
export interface SuiteBackendOptions {
  random?: () => number;
}

export type MakeBackend = (options: SuiteBackendOptions) => TaskBackend | Promise<TaskBackend>;


// A store on disk may take longer than the helpers' default wait.
const until = (probe: () => boolean | Promise<boolean>) => waitUntil(probe, 3_000);

export const enqueueOptions = (id: string, more: Partial<EnqueueOptions> = {}): EnqueueOptions => ({
  id,
  queue: 'q',
  priority: 0,
  maxAttempts: 1,
  backoff: resolveBackoff({ type: 'fixed', delayMs: 20, jitter: false }),
  ...more,
});

/**
 * What every `TaskBackend` must do, run against each one (the memory
 * backend's test file, @fastts/tasks-sqlite's): the interface's promises,
 * and the behaviour the runtime relies on.
 */
export function backendSuite(name: string, makeBackend: MakeBackend): void {
  describe(`TaskBackend conformance: ${name}`, () => {
    const open: TaskBackend[] = [];
    const make = async (options: SuiteBackendOptions = {}) => {
      const backend = await makeBackend(options);
      open.push(backend);
      return backend;
    };
    afterEach(async () => {
      for (const backend of open.splice(0)) await backend.close();
    });

    const settled = (backend: TaskBackend, id: string) => until(async () => ['succeeded', 'failed', 'dead', 'cancelled'].includes((await backend.get(id))?.state ?? ''));

    it('runs a task and records its result, attempt and timings', async () => {
      const backend = await make();
      backend.work('q', async ({ record }) => ({ echoed: record.args }), { concurrency: 1 });
      const queued = await backend.enqueue('echo', [1, 'two', { three: [3] }], enqueueOptions('a', { requestId: 'r1', route: 'Run.run' }));
      expect(queued).toMatchObject({ id: 'a', name: 'echo', queue: 'q', state: 'queued', attempts: 0, requestId: 'r1', route: 'Run.run' });
      await settled(backend, 'a');
      const done = (await backend.get('a'))!;
      expect(done).toMatchObject({ state: 'succeeded', attempts: 1, result: { echoed: [1, 'two', { three: [3] }] }, args: [1, 'two', { three: [3] }] });
      expect(done.history).toHaveLength(1);
      expect(done.history[0]!.finishedAt!.getTime()).toBe(done.finishedAt!.getTime());
      expect(done.startedAt!.getTime()).toBeGreaterThanOrEqual(done.createdAt.getTime());
    });

    it('runs the highest priority first, and equal priorities in the order added', async () => {
      const backend = await make();
      const ran: string[] = [];
      const items: [string, number][] = [['a', 0], ['b', 5], ['c', 0], ['d', 5], ['e', -3], ['f', 9]];
      for (const [id, priority] of items) await backend.enqueue('t', [id], enqueueOptions(id, { priority }));
      backend.work('q', async ({ record }) => void ran.push(record.id), { concurrency: 1 });
      await until(() => ran.length === items.length);
      expect(ran).toEqual(['f', 'b', 'd', 'a', 'c', 'e']);
    });

    it('runs at most `concurrency` tasks of a queue at a time, and queues apart from each other', async () => {
      const backend = await make();
      let active = 0;
      let peak = 0;
      let otherRan = false;
      backend.work('q', async () => {
        peak = Math.max(peak, ++active);
        await sleep(15);
        active--;
      }, { concurrency: 2 });
      backend.work('other', async () => void (otherRan = true), { concurrency: 1 });
      for (let i = 0; i < 6; i++) await backend.enqueue('t', [], enqueueOptions(`t${i}`));
      await backend.enqueue('t', [], enqueueOptions('o', { queue: 'other' }));
      await until(async () => (await backend.stats()).succeeded === 7);
      expect(peak).toBe(2);
      expect(otherRan).toBe(true);
    });

    it('refuses a second worker for a queue, a concurrency below 1 and an id it holds', async () => {
      const backend = await make();
      backend.work('q', async () => undefined, { concurrency: 1 });
      expect(() => backend.work('q', async () => undefined, { concurrency: 1 })).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_TASK_QUEUE_HAS_WORKER' }));
      expect(() => backend.work('z', async () => undefined, { concurrency: 0 })).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_TASK_OPTION' }));
      await backend.enqueue('t', [], enqueueOptions('same'));
      await expect(backend.enqueue('t', [], enqueueOptions('same'))).rejects.toMatchObject({ code: 'FASTTS_ERR_TASK_ID_TAKEN' });
    });

    it('does not run a duplicate while its original is pending, and frees the key when it finishes', async () => {
      const backend = await make();
      const release: (() => void)[] = [];
      backend.work('q', () => new Promise<void>((resolve) => release.push(resolve)), { concurrency: 5 });
      await backend.enqueue('mail', ['ada'], enqueueOptions('first', { dedupeKey: 'ada' }));
      const duplicate = await backend.enqueue('mail', ['ada'], enqueueOptions('second', { dedupeKey: 'ada' }));
      expect(duplicate).toMatchObject({ state: 'cancelled', duplicateOf: 'first' });
      // Another name with the same key is not a duplicate.
      expect(await backend.enqueue('sms', ['ada'], enqueueOptions('sms', { dedupeKey: 'ada' }))).toMatchObject({ state: 'queued' });
      await until(() => release.length === 2);
      for (const resolve of release.splice(0)) resolve();
      await settled(backend, 'first');
      expect(await backend.enqueue('mail', ['ada'], enqueueOptions('third', { dedupeKey: 'ada' }))).toMatchObject({ state: 'queued' });
      expect(await backend.retry('second')).toBe(false);
    });

    it('retries a failed attempt after its backoff, then succeeds; each attempt is in the history', async () => {
      const backend = await make({ random: () => 1 });
      const seen: TaskRecord[] = [];
      backend.watch((record) => seen.push(record));
      backend.work('q', async ({ record }) => {
        if (record.attempts < 3) throw new Error(`boom ${record.attempts}`);
        return 'ok';
      }, { concurrency: 1 });
      await backend.enqueue('t', [], enqueueOptions('r', { maxAttempts: 3, backoff: resolveBackoff({ type: 'exponential', delayMs: 20, maxDelayMs: 1_000, jitter: true }) }));
      await settled(backend, 'r');
      const done = (await backend.get('r'))!;
      expect(done).toMatchObject({ state: 'succeeded', attempts: 3, result: 'ok' });
      expect(done.history.map((a) => [a.attempt, a.error?.message])).toEqual([[1, 'boom 1'], [2, 'boom 2'], [3, undefined]]);
      // random() = 1 pins the jitter to the whole delay: 20 ms, then 40 ms.
      const planned = seen.filter((r) => r.state === 'retrying').map((r) => r.runAt!.getTime() - r.history.at(-1)!.finishedAt!.getTime());
      expect(planned.map((ms) => Math.round(ms / 5) * 5)).toEqual([20, 40]);
      expect(seen.filter((r) => r.id === 'r').map((r) => r.state)).toEqual(['queued', 'running', 'retrying', 'queued', 'running', 'retrying', 'queued', 'running', 'succeeded']);
      // A retry never starts before its time.
      expect(done.history[1]!.startedAt.getTime() - done.history[0]!.finishedAt!.getTime()).toBeGreaterThanOrEqual(19);
    });

    it('ends dead when every attempt failed (a timeout is one), failed at once on a non-retryable error', async () => {
      const backend = await make({ random: () => 0 });
      backend.work('q', async ({ record }) => {
        if (record.name === 'slow') throw new TaskTimeoutError('slow', 5);
        throw new NonRetryableError('no such address');
      }, { concurrency: 2 });
      await backend.enqueue('slow', [], enqueueOptions('slow', { maxAttempts: 2 }));
      await backend.enqueue('bad', [], enqueueOptions('bad', { maxAttempts: 5 }));
      await settled(backend, 'slow');
      await settled(backend, 'bad');
      expect(await backend.get('slow')).toMatchObject({ state: 'dead', attempts: 2, error: { code: 'FASTTS_ERR_TASK_TIMEOUT' } });
      expect(await backend.get('bad')).toMatchObject({ state: 'failed', attempts: 1, error: { message: 'no such address', code: 'FASTTS_ERR_TASK_NON_RETRYABLE' } });
      // One attempt allowed: failed, not dead.
      await backend.enqueue('once', [], enqueueOptions('once'));
      await settled(backend, 'once');
      expect(await backend.get('once')).toMatchObject({ state: 'failed', attempts: 1 });
    });

    it('cancels a queued task before it runs and a running one through its signal; a finished one cannot be', async () => {
      const backend = await make();
      let aborted: unknown;
      const started: string[] = [];
      backend.work('q', ({ record, signal }: ClaimedTask) => {
        started.push(record.id);
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject((aborted = signal.reason))));
      }, { concurrency: 1 });
      await backend.enqueue('t', [], enqueueOptions('running'));
      await backend.enqueue('t', [], enqueueOptions('waiting'));
      await until(() => started.length === 1);
      expect(await backend.cancel('waiting')).toBe(true);
      const reason = new TaskCancelledError('stop it');
      expect(await backend.cancel('running', reason)).toBe(true);
      expect(aborted).toBe(reason);
      expect(await backend.get('running')).toMatchObject({ state: 'cancelled', error: { message: 'stop it' } });
      expect(await backend.get('waiting')).toMatchObject({ state: 'cancelled', attempts: 0 });
      expect(await backend.cancel('running')).toBe(false);
      expect(await backend.cancel('nobody')).toBe(false);
      await sleep(30);
      expect(started).toEqual(['running']);
      expect((await backend.get('running'))!.history[0]!.finishedAt).toBeInstanceOf(Date);
    });

    it('retries a failed, dead or cancelled task from its first attempt, never a succeeded one', async () => {
      const backend = await make();
      let fail = true;
      backend.work('q', async () => {
        if (fail) throw new Error('down');
        return 'up';
      }, { concurrency: 1 });
      await backend.enqueue('t', [], enqueueOptions('x'));
      await settled(backend, 'x');
      expect(await backend.get('x')).toMatchObject({ state: 'failed', attempts: 1 });
      fail = false;
      expect(await backend.retry('x')).toBe(true);
      await settled(backend, 'x');
      expect(await backend.get('x')).toMatchObject({ state: 'succeeded', attempts: 1, result: 'up' });
      expect(await backend.retry('x')).toBe(false);
      expect(await backend.retry('nobody')).toBe(false);
    });

    it('reports progress to watchers and in the record', async () => {
      const backend = await make();
      const progress: number[] = [];
      backend.watch((record) => void (record.progress !== undefined && record.state === 'running' && progress.push(record.progress)));
      backend.work('q', async (task) => {
        task.progress(0.25);
        task.progress(0.5);
      }, { concurrency: 1 });
      await backend.enqueue('t', [], enqueueOptions('p'));
      await settled(backend, 'p');
      expect(progress).toEqual([0.25, 0.5]);
      expect(await backend.get('p')).toMatchObject({ progress: 0.5 });
    });

    it('lists newest first, filtered by state, name and queue, with a limit; counts by state', async () => {
      const backend = await make();
      await backend.enqueue('a', [], enqueueOptions('1'));
      await backend.enqueue('b', [], enqueueOptions('2', { queue: 'other' }));
      await backend.enqueue('a', [], enqueueOptions('3'));
      await backend.cancel('3');
      expect((await backend.list()).map((r) => r.id)).toEqual(['3', '2', '1']);
      expect((await backend.list({ name: 'a' })).map((r) => r.id)).toEqual(['3', '1']);
      expect((await backend.list({ queue: 'other' })).map((r) => r.id)).toEqual(['2']);
      expect((await backend.list({ state: 'queued' })).map((r) => r.id)).toEqual(['2', '1']);
      expect((await backend.list({ state: ['cancelled', 'succeeded'] })).map((r) => r.id)).toEqual(['3']);
      expect((await backend.list({ limit: 1 })).map((r) => r.id)).toEqual(['3']);
      expect(await backend.stats()).toEqual({ queued: 2, running: 0, succeeded: 0, failed: 0, retrying: 0, cancelled: 1, dead: 0 });
    });

    it('hands out snapshots: changing one changes nothing; a throwing watcher stops nothing', async () => {
      const backend = await make();
      const seen: TaskRecord[] = [];
      backend.watch(() => {
        throw new Error('listener bug');
      });
      const unwatch = backend.watch((record) => seen.push(record));
      const record = await backend.enqueue('t', [{ n: 1 }], enqueueOptions('x'));
      (record as { state: string }).state = 'succeeded';
      expect(await backend.get('x')).toMatchObject({ state: 'queued' });
      unwatch();
      await backend.cancel('x');
      expect(seen.map((r) => r.state)).toEqual(['queued']);
    });

    it('holds a delayed task until its runAt, showing when it will run, and runs it then', async () => {
      const backend = await make();
      const started: Record<string, number> = {};
      backend.work('q', async ({ record }) => void (started[record.id] = Date.now()), { concurrency: 2 });
      const runAt = Date.now() + 150;
      const delayed = await backend.enqueue('t', [], enqueueOptions('later', { runAt }));
      await backend.enqueue('t', [], enqueueOptions('now'));
      expect(delayed).toMatchObject({ state: 'queued', runAt: new Date(runAt) });
      await settled(backend, 'now');
      expect((await backend.get('later'))?.state).toBe('queued');
      await settled(backend, 'later');
      expect(started['later']).toBeGreaterThanOrEqual(runAt);
      expect((await backend.get('later'))?.runAt).toBeUndefined();
    });

    it('cancels a delayed task before it runs', async () => {
      const backend = await make();
      let ran = false;
      backend.work('q', async () => void (ran = true), { concurrency: 1 });
      await backend.enqueue('t', [], enqueueOptions('later', { runAt: Date.now() + 80 }));
      expect(await backend.cancel('later')).toBe(true);
      await sleep(150);
      expect(ran).toBe(false);
      expect((await backend.get('later'))?.state).toBe('cancelled');
    });

    it('gives a task its own arguments: changing them changes neither the record nor a retry', async () => {
      const backend = await make();
      const seen: unknown[] = [];
      backend.work('q', async ({ record }) => {
        const order = record.args[0] as { items: string[] };
        seen.push(structuredClone(order));
        order.items.push('added by the task');
        if (seen.length === 1) throw new Error('again');
      }, { concurrency: 1 });
      const args = [{ items: ['a'] }];
      await backend.enqueue('t', args, enqueueOptions('own', { maxAttempts: 2 }));
      args[0]!.items.push('added by the caller');
      try {
        (await backend.get('own'))?.args.push('added to a snapshot');
      } catch {
        // A backend may hand out frozen arguments (the memory backend does): changing them fails instead.
      }
      await settled(backend, 'own');
      expect(seen).toEqual([{ items: ['a'] }, { items: ['a'] }]);
      expect((await backend.get('own'))?.args).toEqual([{ items: ['a'] }]);
    });

    it('waits for running tasks at close, up to the drain deadline; refuses new ones after', async () => {
      const backend = await make();
      let finished = false;
      backend.work('q', async () => {
        await sleep(30);
        finished = true;
      }, { concurrency: 1 });
      await backend.enqueue('t', [], enqueueOptions('run'));
      await until(async () => (await backend.get('run'))?.state === 'running');
      const waiting = await backend.enqueue('t', [], enqueueOptions('waiting'));
      expect(waiting.state).toBe('queued');
      await backend.close({ drainTimeoutMs: 2_000 });
      expect(finished).toBe(true);
      expect(await backend.enqueue('t', [], enqueueOptions('late'))).toMatchObject({ state: 'cancelled', error: { message: 'backend closed' } });
    });

    it('aborts what still runs at the drain deadline', async () => {
      const backend = await make();
      let reason: unknown;
      backend.work('q', ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject((reason = signal.reason)))), { concurrency: 1 });
      await backend.enqueue('t', [], enqueueOptions('stuck'));
      await until(async () => (await backend.get('stuck'))?.state === 'running');
      const started = Date.now();
      await backend.close({ drainTimeoutMs: 50 });
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(reason).toMatchObject({ code: 'FASTTS_ERR_TASK_CANCELLED', message: 'backend closed' });
    });
  });
}
