import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { logLines } from '../../../test/log-lines.js';

// Real processes from the build: the API (dist/main.js, work: false), worker
// processes (`fastts-worker dist/worker.js`) and `npm start`'s launcher
// (dist/start.js), on one SQLite file in a temporary folder.

const root = fileURLToPath(new URL('../../../', import.meta.url));
const example = fileURLToPath(new URL('../', import.meta.url));
const dist = (file: string) => join(example, 'dist', file);
const workerBin = join(root, 'packages/tasks/bin/fastts-worker.mjs');

beforeAll(async () => {
  await promisify(execFile)('npx', ['turbo', 'run', 'build', '--filter=@fastts-examples/task-worker...', '--output-logs=errors-only'], { cwd: root });
}, 180_000);

interface Proc {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  exited: Promise<unknown[]>;
}

let dir: string;
let env: Record<string, string>;
const spawned: Proc[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'task-worker-'));
  env = { FASTTS_TASKS_DB: join(dir, 'tasks.db'), OUTBOX_FILE: join(dir, 'outbox.jsonl'), PORT: '0', HOST: '127.0.0.1' };
});

afterEach(async () => {
  // The launcher's children have process groups of their own: end them by the pids they logged.
  const pids = new Set(spawned.flatMap((p) => [p.child.pid, ...p.lines.map((line) => line['pid'])]).filter((pid): pid is number => typeof pid === 'number'));
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  spawned.length = 0;
  await rm(dir, { recursive: true, force: true });
});

function start(args: string[]): Proc {
  const child = spawn(process.execPath, args, { cwd: example, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const proc: Proc = { child, lines: logLines(child.stdout!), exited: once(child, 'exit') };
  spawned.push(proc);
  return proc;
}

/** Resolves with the first log line `match` accepts, or rejects after 20 s (a loaded CI host starts processes slowly). */
async function line(proc: Proc, match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = proc.lines.find(match);
    if (found) return found;
    if (Date.now() > deadline || proc.child.exitCode !== null) throw new Error(`no such log line; got ${JSON.stringify(proc.lines)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const workerStarted = (l: Record<string, unknown>) => l['msg'] === 'worker started';
const listening = (l: Record<string, unknown>) => l['msg'] === 'listening';

async function signup(url: string, email: string): Promise<string> {
  const res = await fetch(`${url}/signups`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) });
  expect(res.status).toBe(202);
  return ((await res.json()) as { task_id: string }).task_id;
}

/** The task's record from the API (read from the file), once it has succeeded. */
async function succeeded(url: string, id: string): Promise<Record<string, any>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const task = (await (await fetch(`${url}/tasks/${id}`)).json()) as Record<string, any>;
    if (task['state'] === 'succeeded') return task;
    if (Date.now() > deadline) throw new Error(`task ${id} did not succeed in time: ${JSON.stringify(task)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('task-worker', () => {
  it('npm start runs the API and a worker: a task added by a request is run by the worker process', async () => {
    const launcher = start([dist('start.js')]);
    const api = await line(launcher, listening);
    const worker = await line(launcher, workerStarted);
    expect(worker).toMatchObject({ queues: ['mail'], backend: 'sqlite', path: env['FASTTS_TASKS_DB'] });
    const url = api['url'] as string;

    const id = await signup(url, 'ada@example.com');
    const task = await succeeded(url, id);
    expect(task).toMatchObject({ name: 'send-welcome', queue: 'mail', attempts: 1, result: { sent: 'ada@example.com', worker: worker['pid'] } });
    expect(worker['pid']).not.toBe(api['pid']);
    const outbox = (await readFile(env['OUTBOX_FILE']!, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(outbox).toEqual([{ to: 'ada@example.com', subject: 'Welcome!', taskId: id, pid: worker['pid'] }]);

    launcher.child.kill('SIGTERM');
    expect(await launcher.exited).toEqual([0, null]);
  }, 90_000);

  it('a second worker shares the file: it runs what is added once the first has stopped', async () => {
    const api = start([dist('main.js')]);
    const url = (await line(api, listening))['url'] as string;
    const first = start([workerBin, dist('worker.js')]);
    await line(first, workerStarted);
    const before = await succeeded(url, await signup(url, 'ada@example.com'));
    expect(before['result']).toEqual({ sent: 'ada@example.com', worker: first.child.pid });

    const second = start([workerBin, dist('worker.js')]);
    await line(second, workerStarted);
    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual([0, null]);
    const after = await succeeded(url, await signup(url, 'grace@example.com'));
    expect(after['result']).toEqual({ sent: 'grace@example.com', worker: second.child.pid });
    // The first task's record is still in the file, as the first worker left it.
    expect(await succeeded(url, before['id'] as string)).toMatchObject({ result: { worker: first.child.pid } });

    second.child.kill('SIGTERM');
    api.child.kill('SIGTERM');
    expect(await second.exited).toEqual([0, null]);
    expect(await api.exited).toEqual([0, null]);
  }, 90_000);
});
