import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { logLines } from '../../../test/log-lines.js';
import { App } from '@fastts/core';
import { TaskRuntime } from '@fastts/tasks';
import { sqliteBackend } from '@fastts/tasks-sqlite';
import { burn, greet, nap } from './fixtures/worker-module.mjs';
import { until as waitUntil } from './helpers.js';

// `fastts-worker <module>` in real processes, on the built packages: this
// test process enqueues into the SQLite file (as an HTTP process with
// work: false would) and the bin's process runs the tasks.

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../bin/fastts-worker.mjs', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

beforeAll(async () => {
  // core, tasks and tasks-sqlite: the fixture module imports the built packages.
  await promisify(execFile)('npx', ['turbo', 'run', 'build', '--filter=@fastts/tasks-sqlite', '--output-logs=errors-only'], { cwd: root });
}, 180_000);

const folder = mkdtempSync(join(tmpdir(), 'fastts-worker-bin-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
let files = 0;

// Processes and a file shared between them: waits sized for a loaded 2-core CI host.
const until = (probe: () => boolean | Promise<boolean>) => waitUntil(probe, 15_000);

interface Worker {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

const children: ChildProcess[] = [];
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const close of closers.splice(0)) await close();
});

/** Spawns the bin on `module`, collecting its JSON log lines. */
function startWorker(module: string, env: Record<string, string> = {}, args: string[] = []): Worker {
  const child = spawn(process.execPath, [bin, module, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const lines = logLines(child.stdout!);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  return { child, lines, stderr: () => stderr, exited };
}

/** What the HTTP process would be: a runtime that only enqueues into the file. */
function enqueuer(path: string): TaskRuntime {
  const app = new App({ logger: false });
  const runtime = new TaskRuntime({ backend: sqliteBackend({ path, pollIntervalMs: 10 }), work: false }).attach(app);
  closers.push(() => app.close({ drainTimeoutMs: 1_000 }));
  return runtime;
}

async function started(worker: Worker): Promise<Record<string, unknown>> {
  await until(() => worker.lines.some((line) => line['msg'] === 'worker started') || worker.child.exitCode !== null);
  const line = worker.lines.find((l) => l['msg'] === 'worker started');
  if (!line) throw new Error(`the worker did not start: ${worker.stderr()}`);
  return line;
}

describe('fastts-worker <module>', () => {
  it('runs tasks another process enqueued, with its dependencies, currentTask() and piscina offload; SIGTERM lets a running task finish', async () => {
    const path = join(folder, `tasks-${++files}.db`);
    const worker = startWorker(fixture('worker-module.mjs'), { FASTTS_TASKS_DB: path });
    expect(await started(worker)).toMatchObject({ queues: ['default', 'cpu'], backend: 'sqlite', path });

    const runtime = enqueuer(path);
    const greeted = runtime.enqueue(greet, 'ada');
    const burned = runtime.enqueue(burn, 20);
    await until(async () => (await runtime.get(greeted.id))?.state === 'succeeded' && (await runtime.get(burned.id))?.state === 'succeeded');
    expect((await runtime.get(greeted.id))?.result).toEqual({ text: `hello from pid ${worker.child.pid} to ada`, id: greeted.id, attempt: 1 });
    // A worker thread of the worker process: thread 0 is its main thread.
    expect((await runtime.get(burned.id))?.result).toMatchObject({ ms: 20, rounds: true, threadId: expect.any(Number) });
    expect(((await runtime.get(burned.id))?.result as { threadId: number }).threadId).toBeGreaterThan(0);

    const napping = runtime.enqueue(nap, 400);
    await until(async () => (await runtime.get(napping.id))?.state === 'running');
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toEqual([0, null]);
    expect(await runtime.get(napping.id)).toMatchObject({ state: 'succeeded', attempts: 1, result: 'slept 400 ms' });
    expect(worker.lines.map((line) => line['msg'])).toContain('worker stopping');
  }, 60_000);

  it('a second SIGTERM ends the drain: the running task goes back to the file, for the next worker', async () => {
    const path = join(folder, `tasks-${++files}.db`);
    const first = startWorker(fixture('worker-module.mjs'), { FASTTS_TASKS_DB: path }, ['--drain-timeout-ms', '60000']);
    await started(first);
    const runtime = enqueuer(path);
    const napping = runtime.enqueue(nap, 60_000);
    await until(async () => (await runtime.get(napping.id))?.state === 'running');
    first.child.kill('SIGTERM');
    await until(() => first.lines.some((line) => line['msg'] === 'worker stopping'));
    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual([0, null]);
    // Handed back, its attempt not counted: the worker chose to stop it.
    expect(await runtime.get(napping.id)).toMatchObject({ state: 'queued', attempts: 0 });

    // The next worker on the file takes it up.
    const second = startWorker(fixture('worker-module.mjs'), { FASTTS_TASKS_DB: path });
    await started(second);
    await until(async () => (await runtime.get(napping.id))?.state === 'running');
    expect(await runtime.get(napping.id)).toMatchObject({ attempts: 1 });
    expect((await runtime.get(napping.id))?.history.map((a) => a.error?.code)).toEqual(['FASTTS_ERR_SHUTDOWN_DEADLINE', undefined]);
  }, 60_000);

  it.each([
    ['no module', [], 2, /which module\?[\s\S]*usage: fastts-worker <module.js>/],
    ['a bad option', ['--drain-timeout-ms', 'soon', 'x.mjs'], 2, /--drain-timeout-ms needs a number of milliseconds >= 0, got soon/],
    ['a missing file', ['missing.mjs'], 1, /FASTTS_ERR_TASK_WORKER_MODULE: missing.mjs: no such file/],
    ['no default export', [fixture('worker-no-default.mjs')], 1, /FASTTS_ERR_TASK_WORKER_MODULE: .*worker-no-default.mjs: no default export/],
    ['a default export that is not a runtime', [fixture('worker-not-a-runtime.mjs')], 1, /FASTTS_ERR_TASK_WORKER_MODULE: .*: its default export returned an object \(Object\), not a TaskRuntime/],
    ['a memory backend', [fixture('worker-memory.mjs')], 1, /FASTTS_ERR_TASK_WORKER_NOT_DURABLE: a worker process needs a durable backend: the 'memory' backend/],
  ])('refuses %s, saying why, with its exit code', async (_, args, code, message) => {
    const child = spawn(process.execPath, [bin, ...(args as string[])], { cwd: folder, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    const [exitCode] = (await once(child, 'exit')) as [number | null];
    expect({ exitCode, stderr }).toMatchObject({ exitCode: code, stderr: expect.stringMatching(message) });
  }, 30_000);
});
