import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPackages, idCounts, post, readStore, startServer, until, type ServerProcess } from './fixtures/server-process.js';

// Issue 16's SIGTERM guarantee for durable tasks, on a real process started
// with serve(): running tasks get the drain deadline; queued tasks stay in
// the file for the next start and are not reported as abandoned; what the
// deadline interrupted runs again in the next process. And a request whose
// handler fails leaves nothing to run.

const folder = mkdtempSync(join(tmpdir(), 'fastts-sigterm-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

beforeAll(buildPackages, 120_000);

let runs = 0;
/** A fresh file set for one run of the fixture. */
function files() {
  const dir = join(folder, `run-${++runs}`);
  return { TASKS_DB: `${dir}-tasks.db`, DONE_FILE: `${dir}-done.txt`, INTERRUPTED_FILE: `${dir}-interrupted.txt`, ADDED_FILE: `${dir}-added.txt` };
}

const abandonedIn = (server: ServerProcess) =>
  server.lines.filter((line) => line['msg'] === 'shutdown deadline passed; abandoning background tasks').flatMap((line) => line['abandoned'] as string[]);

describe('SQLite backend: SIGTERM', () => {
  it('a running task finishes within the deadline, queued ones stay queued and are not abandoned, one cut by the deadline runs again next start', async () => {
    const env = { ...files(), LEASE_MS: '1000', CONCURRENCY: '2', SHUTDOWN_MS: '5000' };
    const state = (id: string) => readStore(env.TASKS_DB).find((t) => t.id === id);
    const servers: ServerProcess[] = [];
    try {
      const first = await startServer(env);
      servers.push(first);
      // The queue runs two at a time: `hangs` (until its signal aborts) and a `work` of about 1.5 s; five more wait.
      const hang = await post(`${first.url}/hang`);
      expect(hang.status).toBe(200);
      const [hanging] = hang.ids as [string];
      await until('the hanging task running', () => state(hanging)?.state === 'running', 10_000);
      const finish = await post(`${first.url}/work?count=1&ms=1500`);
      expect(finish.status).toBe(200);
      const [finishing] = finish.ids as [string];
      await until('the finishing task running', () => state(finishing)?.state === 'running', 10_000);
      const queue = await post(`${first.url}/work?count=5&ms=10`);
      expect(queue.status).toBe(200);
      const queued = queue.ids;
      await until('five tasks queued', () => queued.every((id) => state(id)?.state === 'queued'), 10_000);

      first.child.kill('SIGTERM');
      // It exits by itself after the deadline (with 1 if it names the interrupted task as abandoned).
      const firstExit = await first.exited;
      expect(firstExit.signal).toBeNull();

      // A running task that finishes before the deadline (5 s; it takes at most 2.25 s) completes.
      expect(state(finishing)).toMatchObject({ state: 'succeeded', attempts: 1 });
      // Draining claims nothing new: the queued tasks never started, and wait in the file.
      expect(queued.map((id) => state(id))).toEqual(queued.map((id) => ({ id, name: 'work', state: 'queued', attempts: 0 })));
      expect(abandonedIn(first)).not.toContain('work');
      // The deadline aborted the one still running, and handed it back to the file; the process
      // chose to stop it, so its attempt is not counted.
      expect([...idCounts(env.INTERRUPTED_FILE).keys()]).toEqual([hanging]);
      expect(state(hanging)).toMatchObject({ state: 'queued', attempts: 0 });
      expect([...idCounts(env.DONE_FILE).keys()]).toEqual([finishing]);

      // The next process on the file runs what the first left.
      const second = await startServer(env);
      servers.push(second);
      const accepted = [hanging, finishing, ...queued];
      await until('every task succeeded', () => accepted.every((id) => state(id)?.state === 'succeeded'), 20_000);
      expect(state(hanging)).toMatchObject({ attempts: 1 });
      const done = idCounts(env.DONE_FILE);
      expect(accepted.filter((id) => done.get(id) !== 1)).toEqual([]);
      second.child.kill('SIGTERM');
      expect(await second.exited).toEqual({ code: 0, signal: null });
      expect(abandonedIn(second)).toEqual([]);
    } finally {
      for (const server of servers) server.stop();
    }
  }, 60_000);

  it('a task with the default single attempt, cut at the deadline, is not lost: it runs again next start', async () => {
    const env = { ...files(), LEASE_MS: '1000', CONCURRENCY: '2', SHUTDOWN_MS: '500' };
    const state = (id: string) => readStore(env.TASKS_DB).find((t) => t.id === id);
    const servers: ServerProcess[] = [];
    try {
      const first = await startServer(env);
      servers.push(first);
      const hang = await post(`${first.url}/hang?once=1`);
      expect(hang.status).toBe(200);
      const [hanging] = hang.ids as [string];
      await until('the hanging task running', () => state(hanging)?.state === 'running', 10_000);
      first.child.kill('SIGTERM');
      expect((await first.exited).signal).toBeNull();
      expect([...idCounts(env.INTERRUPTED_FILE).keys()]).toEqual([hanging]);
      // The shutdown cut it, not a fault of its own: it waits in the file, as a task that never started would.
      expect(state(hanging)).toMatchObject({ state: 'queued' });

      const second = await startServer(env);
      servers.push(second);
      await until('the interrupted task succeeded', () => state(hanging)?.state === 'succeeded', 10_000);
      expect([...idCounts(env.DONE_FILE).keys()]).toEqual([hanging]);
    } finally {
      for (const server of servers) server.stop();
    }
  }, 60_000);

  it('a request whose handler fails leaves none of its tasks to run: nothing runs, nothing stays queued in the file', async () => {
    const env = { ...files(), LEASE_MS: '1000', CONCURRENCY: '2', SHUTDOWN_MS: '5000' };
    const server = await startServer(env);
    try {
      const failed = await post(`${server.url}/fail?count=3`);
      expect(failed.status).toBe(500);
      const added = [...idCounts(env.ADDED_FILE).keys()];
      expect(added).toHaveLength(3);
      // A task added after the failed request, in the same queue: once it has run, the queue has had its chance.
      const after = await post(`${server.url}/work?count=1&ms=1`);
      expect(after.status).toBe(200);
      await until('the later task succeeded', () => readStore(env.TASKS_DB).some((t) => t.id === after.ids[0] && t.state === 'succeeded'), 10_000);
      server.child.kill('SIGTERM');
      expect(await server.exited).toEqual({ code: 0, signal: null });

      const stored = readStore(env.TASKS_DB);
      // Not in the file, or there only as cancelled: never as something a later process would run.
      expect(stored.filter((t) => added.includes(t.id) && t.state !== 'cancelled')).toEqual([]);
      expect(stored.filter((t) => t.state !== 'succeeded' && t.state !== 'cancelled')).toEqual([]);
      expect([...idCounts(env.DONE_FILE).keys()]).toEqual(after.ids);
    } finally {
      server.stop();
    }
  }, 60_000);
});
