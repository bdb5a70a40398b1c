import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLines, type LogLine } from '../../../test/log-lines.js';
import { workerCount } from '../src/serve.js';

// serve() with several workers (node:cluster), in real processes running the
// built packages: the workers share one port and each runs its lifespan, a
// killed worker is replaced, a start that always fails ends the primary, and
// SIGTERM in the middle of a load loses neither a request a worker took nor
// its durable task (issue 19's fault test).

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/serve-workers.mjs', import.meta.url));
const failingFixture = fileURLToPath(new URL('./fixtures/lifespan-fails.mjs', import.meta.url));

const folder = mkdtempSync(join(tmpdir(), 'fastts-workers-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

// The fixture uses the durable task backend: build it and what it imports (core, tasks).
beforeAll(async () => {
  await promisify(execFile)('npx', ['turbo', 'run', 'build', '--filter=@fastts/tasks-sqlite...', '--output-logs=errors-only'], { cwd: root });
}, 180_000);

let runs = 0;
/** A fresh set of files for one run of the fixture. */
function files() {
  const dir = join(folder, `run-${++runs}`);
  return { TASKS_DB: `${dir}-tasks.db`, RECEIVED_FILE: `${dir}-received.txt`, DONE_FILE: `${dir}-done.txt` };
}

interface Primary {
  readonly child: ChildProcess;
  /** Every JSON line the primary and its workers wrote so far (they share its stdout). */
  readonly lines: LogLine[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): void;
}

/** Starts `entry` as a primary with `env`; it is killed after `lifetimeMs` whatever happens. */
function startPrimary(entry: string, env: Record<string, string>, lifetimeMs = 90_000): Primary {
  const child = spawn(process.execPath, [entry], { cwd: root, env: { ...process.env, FASTTS_LOG_PRETTY: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const killer = setTimeout(() => child.kill('SIGKILL'), lifetimeMs);
  void exited.then(() => clearTimeout(killer));
  const lines = logLines(child.stdout!);
  child.stderr!.resume();
  return { child, lines, exited, stop: () => void (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')) };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves once `probe` returns true (polling), or rejects with `what` after `timeoutMs`. */
async function until(what: string, probe: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`not in ${timeoutMs} ms: ${what}`);
    await sleep(25);
  }
}

const withMsg = (lines: LogLine[], msg: string) => lines.filter((line) => line['msg'] === msg);

/** The pids of the workers that logged `listening`, once `count` have; and the URL they share. */
async function listening(primary: Primary, count: number): Promise<{ url: string; pids: number[] }> {
  await until(`${count} workers listening`, () => withMsg(primary.lines, 'listening').length >= count);
  const lines = withMsg(primary.lines, 'listening');
  expect(new Set(lines.map((line) => line['url'])).size).toBe(1);
  return { url: lines[0]!['url'] as string, pids: lines.map((line) => line['worker'] as number) };
}

interface Reply {
  status: number;
  body: string;
}
type RequestError = Error & { code?: string; reusedSocket?: boolean };

/** One request; rejects with the socket error, with whether the connection was a reused keep-alive one. */
function send(url: string, options: http.RequestOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, options, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => void (body += chunk));
      response.on('error', fail);
      response.on('end', () => (response.complete ? resolve({ status: response.statusCode!, body }) : fail(Object.assign(new Error('incomplete response'), { code: 'INCOMPLETE' }))));
    });
    function fail(err: RequestError) {
      reject(Object.assign(err, { reusedSocket: request.reusedSocket }));
    }
    request.setTimeout(15_000, () => request.destroy(Object.assign(new Error('no answer in 15 s'), { code: 'TIMEOUT' })));
    request.on('error', fail);
    request.end();
  });
}

/** GET /pid on a new connection: cluster shares out connections, not requests. */
async function pidOf(url: string): Promise<number> {
  const reply = await send(`${url}/pid`, { agent: false });
  expect(reply.status).toBe(200);
  return (JSON.parse(reply.body) as { pid: number }).pid;
}

/** GET /pid until every pid of `expected` has answered (at most 100 connections); the pids that answered. */
async function answeringPids(url: string, expected: number[]): Promise<Set<number>> {
  const seen = new Set<number>();
  for (let i = 0; i < 100 && !expected.every((pid) => seen.has(pid)); i++) seen.add(await pidOf(url));
  return seen;
}

describe('workerCount: the workers option, else WEB_CONCURRENCY as uvicorn reads it', () => {
  it('defaults to 1, reads a whole number, lets the option win, and takes less than 1 as 1', () => {
    expect(workerCount(undefined, {})).toBe(1);
    expect(workerCount(undefined, { WEB_CONCURRENCY: '3' })).toBe(3);
    expect(workerCount(undefined, { WEB_CONCURRENCY: ' 2 ' })).toBe(2);
    expect(workerCount(undefined, { WEB_CONCURRENCY: '0' })).toBe(1);
    expect(workerCount(4, { WEB_CONCURRENCY: '2' })).toBe(4);
    expect(workerCount(1, { WEB_CONCURRENCY: '2' })).toBe(1);
  });

  it('refuses a value that is not a whole number, as uvicorn does, with a code', () => {
    expect(() => workerCount(undefined, { WEB_CONCURRENCY: '' })).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_WORKERS', message: 'WEB_CONCURRENCY must be a whole number of worker processes, got ""' }));
    expect(() => workerCount(undefined, { WEB_CONCURRENCY: 'two' })).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_WORKERS' }));
    expect(() => workerCount(2.5, {})).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_WORKERS', message: 'workers must be a whole number of worker processes, got 2.5' }));
  });
});

describe('serve() with WEB_CONCURRENCY=2', () => {
  it('two workers answer on one port, each ran its lifespan, the primary none; SIGTERM drains them all and the primary exits 0', async () => {
    const primary = startPrimary(fixture, { WEB_CONCURRENCY: '2', ...files() });
    try {
      const { url, pids } = await listening(primary, 2);
      expect(new Set(pids).size).toBe(2);
      expect(pids).not.toContain(primary.child.pid);
      expect(await answeringPids(url, pids)).toEqual(new Set(pids));
      expect(withMsg(primary.lines, 'starting workers')).toEqual([expect.objectContaining({ pid: primary.child.pid, workers: 2 })]);
      // The lifespan ran in each worker, once, and never in the primary.
      expect(withMsg(primary.lines, 'lifespan start').map((line) => line['pid']).sort()).toEqual([...pids].sort());

      primary.child.kill('SIGTERM');
      expect(await primary.exited).toEqual({ code: 0, signal: null });
      const workerLines = (msg: string) => withMsg(primary.lines, msg).filter((line) => line['pid'] !== primary.child.pid);
      expect(workerLines('shutting down').map((line) => line['worker']).sort()).toEqual([...pids].sort());
      expect(workerLines('lifespan stop').map((line) => line['pid']).sort()).toEqual([...pids].sort());
      expect(withMsg(primary.lines, 'workers stopped')).toEqual([expect.objectContaining({ pid: primary.child.pid, failed: [] })]);
    } finally {
      primary.stop();
    }
  }, 60_000);

  it('a worker killed with SIGKILL is replaced: a new pid answers, the killed one never again', async () => {
    const primary = startPrimary(fixture, { WEB_CONCURRENCY: '2', ...files() });
    try {
      const { url, pids } = await listening(primary, 2);
      expect(await answeringPids(url, pids)).toEqual(new Set(pids));
      const [victim, survivor] = pids as [number, number];
      process.kill(victim, 'SIGKILL');
      await until('the primary replacing the killed worker', () =>
        withMsg(primary.lines, 'worker exited; replacing it').some((line) => line['worker'] === victim && line['signal'] === 'SIGKILL'),
      );
      const { pids: after } = await listening(primary, 3);
      const replacement = after[2]!;
      expect(withMsg(primary.lines, 'lifespan start').map((line) => line['pid'])).toContain(replacement);
      // From the primary's line on, every connection reaches a live worker.
      const seen = await answeringPids(url, [survivor, replacement]);
      expect(seen).toEqual(new Set([survivor, replacement]));

      primary.child.kill('SIGTERM');
      expect(await primary.exited).toEqual({ code: 0, signal: null });
    } finally {
      primary.stop();
    }
  }, 60_000);

  it('a lifespan that always fails: each worker is retried with a growing delay, then the primary exits 1 saying why', async () => {
    const primary = startPrimary(failingFixture, { WEB_CONCURRENCY: '2' });
    try {
      expect(await primary.exited).toEqual({ code: 1, signal: null });
      expect(withMsg(primary.lines, 'listening')).toEqual([]);
      const failures = withMsg(primary.lines, 'worker failed to start; replacing it');
      // Each of the two places failed 5 times in a row (one may have begun a 6th): the last failure ends
      // the primary instead of a restart. The first four of each waited 0.1, 0.2, 0.4 and 0.8 s.
      expect(failures.length).toBeGreaterThanOrEqual(9);
      const delays = failures.map((line) => line['restartInMs'] as number).sort((a, b) => a - b);
      expect(delays.slice(0, 8)).toEqual([100, 100, 200, 200, 400, 400, 800, 800]);
      expect(withMsg(primary.lines, 'every worker failed to start 5 times in a row; exiting')).toEqual([expect.objectContaining({ pid: primary.child.pid, workers: 2 })]);
      // Each worker said why, with its pid as `worker`.
      const reasons = withMsg(primary.lines, 'the app failed to start');
      expect(reasons).toHaveLength(failures.length + 1);
      for (const line of reasons) expect(line).toMatchObject({ worker: line['pid'], code: 'FASTTS_ERR_STARTUP_FAILED' });
    } finally {
      primary.stop();
    }
  }, 60_000);
});

interface Outcome {
  id: string;
  sentAt: number;
  endedAt: number;
  reply?: { status: number; id?: string; pid?: number; task?: string };
  error?: { code: string; reusedSocket: boolean };
}

/** The ids a file holds, one a line, with how many times each was written. */
function idCounts(file: string): Map<string, number> {
  const counts = new Map<string, number>();
  if (!existsSync(file)) return counts;
  for (const id of readFileSync(file, 'utf8').split('\n')) if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

/** The state of every task in the file (WAL: another process may be writing). */
function taskStates(path: string): Map<string, string> {
  const db = new Database(path, { readonly: true });
  try {
    return new Map(db.prepare<[], { id: string; state: string }>('SELECT id, state FROM fastts_tasks').all().map((t) => [t.id, t.state]));
  } finally {
    db.close();
  }
}

describe('serve() with 2 workers: SIGTERM during load', () => {
  it('loses no request that a worker took and no task: every request a handler saw is answered, every answered task runs', async () => {
    const env = { WEB_CONCURRENCY: '2', ...files() };
    const primary = startPrimary(fixture, env);
    const outcomes: Outcome[] = [];
    let sigtermAt = Infinity;
    try {
      const { url, pids } = await listening(primary, 2);
      // Four clients, each on its own keep-alive connection, sending as soon as they have an answer.
      const client = async (c: number) => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        try {
          for (let n = 0; n < 400 && performance.now() < sigtermAt + 15_000; n++) {
            const id = `${c}-${n}`;
            const sentAt = performance.now();
            try {
              const { status, body } = await send(`${url}/work?id=${id}`, { method: 'POST', agent });
              outcomes.push({ id, sentAt, endedAt: performance.now(), reply: { status, ...(JSON.parse(body) as object) } });
            } catch (err) {
              const { code = String(err), reusedSocket = false } = err as RequestError;
              outcomes.push({ id, sentAt, endedAt: performance.now(), error: { code, reusedSocket } });
              // Nothing listens any more: this client is done.
              if (code === 'ECONNREFUSED') break;
            }
          }
        } finally {
          agent.destroy();
        }
      };
      const clients = Promise.all([0, 1, 2, 3].map(client));
      await until('40 answers', () => outcomes.length >= 40);
      sigtermAt = performance.now();
      primary.child.kill('SIGTERM');
      await clients;
      expect(await primary.exited).toEqual({ code: 0, signal: null });

      const received = idCounts(env.RECEIVED_FILE);
      const answered = outcomes.filter((o) => o.reply);
      const failed = outcomes.filter((o) => o.error);
      // The load was spread and the signal came in the middle of it: the drain answered requests sent before it.
      expect(new Set(answered.map((o) => o.reply!.pid))).toEqual(new Set(pids));
      expect(answered.some((o) => o.sentAt < sigtermAt && o.endedAt > sigtermAt)).toBe(true);
      // Every answer is a complete 200 for its own request.
      expect(answered.filter((o) => o.reply!.status !== 200 || o.reply!.id !== o.id || !o.reply!.task)).toEqual([]);
      // Every request a handler saw was answered: nothing a worker took was cut off.
      expect([...received.keys()].filter((id) => !answered.some((o) => o.id === id))).toEqual([]);
      expect([...received.values()].filter((n) => n !== 1)).toEqual([]);
      // Errors only after the signal, and only for requests no handler saw: refused once nothing
      // listened, or a keep-alive connection closed as idle just as the request went out (an
      // HTTP/1.1 race: RFC 9112 section 9.6; a client may retry such a request).
      expect(failed.filter((o) => o.sentAt < sigtermAt || received.has(o.id))).toEqual([]);
      expect(failed.filter((o) => o.error!.code !== 'ECONNREFUSED' && !(o.error!.reusedSocket && o.error!.code === 'ECONNRESET'))).toEqual([]);
      expect(failed.filter((o) => o.error!.code === 'ECONNREFUSED').length).toBeGreaterThan(0);

      // Every answered request's task is in the file, run or queued for the next process (the
      // durable backend stops claiming when the drain starts, and hands a running task back at its deadline).
      const tasks = answered.map((o) => o.reply!.task!);
      const states = taskStates(env.TASKS_DB);
      expect(tasks.filter((id) => states.get(id) !== 'succeeded' && states.get(id) !== 'queued')).toEqual([]);

      // The next process on the file runs what was left queued; every task ran once.
      const next = startPrimary(fixture, { ...env, WEB_CONCURRENCY: '1' });
      try {
        await listening(next, 1);
        await until('every answered task succeeded', () => {
          const now = taskStates(env.TASKS_DB);
          return tasks.every((id) => now.get(id) === 'succeeded');
        });
        next.child.kill('SIGTERM');
        expect(await next.exited).toEqual({ code: 0, signal: null });
      } finally {
        next.stop();
      }
      const done = idCounts(env.DONE_FILE);
      expect([...done.keys()].sort()).toEqual([...tasks].sort());
      expect([...done.values()].filter((n) => n !== 1)).toEqual([]);
    } finally {
      primary.stop();
    }
  }, 120_000);
});
