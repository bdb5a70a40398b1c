import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '@fastts/tasks';
import { resolveBackoff } from '../src/backoff.js';
import { ReadyQueue } from '../src/ready-queue.js';
import { backendSuite } from './backend-suite.js';

const options = (id: string) => ({ id, queue: 'q', priority: 0, maxAttempts: 1, backoff: resolveBackoff({}) });

backendSuite('memory', ({ random }) => new MemoryBackend({ random }));

describe('MemoryBackend', () => {
  it('keeps at most maxRecords, forgetting the tasks that finished first and never a pending one', async () => {
    const backend = new MemoryBackend({ maxRecords: 3 });
    const release: (() => void)[] = [];
    backend.work('q', ({ record }) => (record.args[0] === 'hold' ? new Promise<void>((resolve) => release.push(resolve)) : Promise.resolve()), { concurrency: 10 });
    await backend.enqueue('t', ['hold'], options('held'));
    for (const id of ['a', 'b', 'c', 'd']) await backend.enqueue('t', [id], options(id));
    await new Promise((resolve) => setTimeout(resolve, 5));
    // 'held' is still running: kept; of the finished ones, the newest two are kept.
    expect((await backend.list()).map((r) => r.id)).toEqual(['d', 'c', 'held']);
    release[0]!();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await backend.get('held')).toMatchObject({ state: 'succeeded' });
  });

  it('cancels what is queued when closed, and refuses new tasks after', async () => {
    const backend = new MemoryBackend();
    await backend.enqueue('t', [], options('waiting'));
    await backend.close();
    expect(await backend.get('waiting')).toMatchObject({ state: 'cancelled', error: { message: 'backend closed' } });
    expect(await backend.enqueue('t', [], options('late'))).toMatchObject({ state: 'cancelled' });
    expect(await backend.stats()).toMatchObject({ cancelled: 2, queued: 0 });
  });
});

describe('ReadyQueue', () => {
  it('pops highest priority first, first in first out within a priority', () => {
    const queue = new ReadyQueue<string>();
    const items: [string, number][] = [['a', 0], ['b', 5], ['c', 0], ['d', 5], ['e', -3], ['f', 9], ['g', 0]];
    for (const [item, priority] of items) queue.push(item, priority);
    const out: string[] = [];
    for (let item = queue.pop(); item !== undefined; item = queue.pop()) out.push(item);
    expect(out).toEqual(['f', 'b', 'd', 'a', 'c', 'g', 'e']);
  });
});
