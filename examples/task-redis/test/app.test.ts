import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { logLines } from '../../../test/log-lines.js';
import { redisSuite, startRedis, type RunningRedis } from '../../../test/redis.js';

// Real processes from the build, on a real redis-server: the API (dist/main.js,
// work: false), worker processes (`fastts-worker dist/worker.js`) and `npm start`'s
// launcher (dist/start.js), with REDIS_URL and with a Redis of its own.

const root = fileURLToPath(new URL('../../../', import.meta.url));
const example = fileURLToPath(new URL('../', import.meta.url));
const dist = (file: string) => join(example, 'dist', file);
const suite = redisSuite('task-redis');

let redis: RunningRedis;
let prefix = 0;

beforeAll(async () => {
  if (!suite.run) return;
  redis = await startRedis();
  await promisify(execFile)('npx', ['turbo', 'run', 'build', '--filter=@fastts-examples/task-redis...', '--output-logs=errors-only'], { cwd: root });
}, 180_000);

afterAll(async () => {
  await redis?.stop();
});

interface Proc {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<unknown[]>;
}

const spawned: Proc[] = [];

afterEach(() => {
  // The launcher's children have process groups of their own: end them by the pids they logged.
  const pids = new Set(spawned.flatMap((p) => [p.child.pid, ...p.lines.flatMap((line) => [line['pid'], line['redisPid']])]).filter((pid): pid is number => typeof pid === 'number'));
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  spawned.length = 0;
});

/** Starts `node args` with its own key prefix on the shared Redis, unless `env` says otherwise. */
function start(args: string[], env: Record<string, string | undefined>): Proc {
  const child = spawn(process.execPath, args, { cwd: example, env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const proc: Proc = { child, lines: logLines(child.stdout!), stderr: () => stderr, exited: once(child, 'exit') };
  spawned.push(proc);
  return proc;
}

/** Resolves with the log lines `match` accepts once there are `count` of them, or rejects after 30 s (a loaded CI host starts processes slowly). */
async function lines(proc: Proc, match: (line: Record<string, unknown>) => boolean, count = 1): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found = proc.lines.filter(match);
    if (found.length >= count) return found;
    if (Date.now() > deadline || proc.child.exitCode !== null) throw new Error(`no such log line; got ${JSON.stringify(proc.lines)}\n${proc.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const workerStarted = (l: Record<string, unknown>) => l['msg'] === 'worker started';
const listening = (l: Record<string, unknown>) => l['msg'] === 'listening';

async function report(url: string, account: string): Promise<string> {
  const res = await fetch(`${url}/reports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ account }) });
  expect(res.status).toBe(202);
  return ((await res.json()) as { task_id: string }).task_id;
}

/** The task's record from the API (read from Redis), once it has succeeded. */
async function succeeded(url: string, id: string): Promise<Record<string, any>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const task = (await (await fetch(`${url}/tasks/${id}`)).json()) as Record<string, any>;
    if (task['state'] === 'succeeded') return task;
    if (Date.now() > deadline) throw new Error(`task ${id} did not succeed in time: ${JSON.stringify(task)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.runIf(suite.run)(suite.title, () => {
  it('npm start on REDIS_URL: the API enqueues, the two worker processes run every task, GET /tasks/{id} reads the result', async () => {
    const launcher = start([dist('start.js')], { REDIS_URL: redis.url, TASKS_PREFIX: `t${++prefix}` });
    const api = (await lines(launcher, listening))[0]!;
    const workers = (await lines(launcher, workerStarted, 2)).map((l) => l['pid']);
    expect(new Set(workers).size).toBe(2);
    expect(workers).not.toContain(api['pid']);
    // It used the given Redis: no redis-server of its own.
    expect(launcher.lines.some((l) => l['msg'] === 'redis-server started')).toBe(false);
    const url = api['url'] as string;

    const accounts = Array.from({ length: 12 }, (_, i) => `account-${i}`);
    const ids = await Promise.all(accounts.map((account) => report(url, account)));
    for (const [i, id] of ids.entries()) {
      const task = await succeeded(url, id);
      expect(task).toMatchObject({ id, name: 'build-report', queue: 'reports', attempts: 1, result: { account: accounts[i], rows: accounts[i]!.length, task: id } });
      expect(workers).toContain(task['result']['worker']);
    }

    launcher.child.kill('SIGTERM');
    expect(await launcher.exited).toEqual([0, null]);
  }, 120_000);

  it('npm start without REDIS_URL starts a redis-server of its own and stops it after the others', async () => {
    const launcher = start([dist('start.js')], { REDIS_URL: undefined });
    const started = (await lines(launcher, (l) => l['msg'] === 'redis-server started'))[0]!;
    expect(started['url']).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    const url = (await lines(launcher, listening))[0]!['url'] as string;
    const workers = (await lines(launcher, workerStarted, 2)).map((l) => l['pid']);
    const task = await succeeded(url, await report(url, 'ada'));
    expect(workers).toContain(task['result']['worker']);

    launcher.child.kill('SIGTERM');
    expect(await launcher.exited).toEqual([0, null]);
    expect(() => process.kill(started['redisPid'] as number, 0)).toThrow();
    expect(existsSync(started['dir'] as string)).toBe(false);
  }, 120_000);

  it('npm start without REDIS_URL and without redis-server exits 1 and says what to do', async () => {
    const launcher = start([dist('start.js')], { REDIS_URL: undefined, REDIS_SERVER: join(example, 'no-such-redis-server') });
    expect(await launcher.exited).toEqual([1, null]);
    expect(launcher.stderr()).toContain('REDIS_URL is not set and no redis-server was found');
    expect(launcher.stderr()).toContain('apt-get install redis-server');
    expect(launcher.lines.some(listening)).toBe(false);
  }, 30_000);

  it('a worker started later runs what the API enqueued while none ran, and the API alone answers for it', async () => {
    const env = { REDIS_URL: redis.url, TASKS_PREFIX: `t${++prefix}` };
    const api = start([dist('main.js')], env);
    const url = (await lines(api, listening))[0]!['url'] as string;
    const id = await report(url, 'grace');
    expect(await (await fetch(`${url}/tasks/${id}`)).json()).toMatchObject({ id, state: 'queued' });

    const worker = start([join(root, 'packages/tasks/bin/fastts-worker.mjs'), dist('worker.js')], env);
    await lines(worker, workerStarted);
    expect((await succeeded(url, id))['result']).toMatchObject({ account: 'grace', worker: worker.child.pid });

    worker.child.kill('SIGTERM');
    api.child.kill('SIGTERM');
    expect(await worker.exited).toEqual([0, null]);
    expect(await api.exited).toEqual([0, null]);
  }, 120_000);

  it('main.js without REDIS_URL exits 1 naming it', async () => {
    const api = start([dist('main.js')], { REDIS_URL: undefined });
    const [code] = await api.exited;
    expect(code).toBe(1);
    expect(api.stderr()).toContain('REDIS_URL is not set');
  }, 30_000);
});
