import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { App, BackgroundTasks, Controller, Path, Post } from '@fastts/core';
import { currentTask, defineTask, inject, runWorker, TaskRuntime, type RunningWorker, type TaskRecord } from '@fastts/tasks';
import { sqliteBackend } from '@fastts/tasks-sqlite';
import { memoryLogger, until as waitUntil } from './helpers.js';

// runWorker in this process, next to an "HTTP process" (another app and
// runtime, with work: false) on the same SQLite file: what one enqueues, the
// other runs. The bin test runs the same across real processes.

const folder = mkdtempSync(join(tmpdir(), 'fastts-worker-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
let files = 0;
const freshPath = () => join(folder, `tasks-${++files}.db`);

// A store on disk, polled by another runtime: more than the helpers' default wait.
const until = (probe: () => boolean | Promise<boolean>) => waitUntil(probe, 5_000);

const toClose: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of toClose.splice(0).reverse()) await close();
});

/** The HTTP process: POST /signup/{email} adds `definition`; this runtime only enqueues. */
async function apiProcess(path: string, definition: ReturnType<typeof defineTask<[string], unknown>>) {
  @Controller()
  class Signup {
    @Post('/signup/{email}')
    signup(@Path('email') email: string, tasks: BackgroundTasks) {
      return { task_id: tasks.addTask(definition, email).id };
    }
  }
  const app = new App({ logger: false }).include(Signup);
  const runtime = new TaskRuntime({ backend: sqliteBackend({ path, pollIntervalMs: 10 }), work: false }).attach(app);
  const { port } = await app.listen(0, '127.0.0.1');
  toClose.push(() => app.close({ drainTimeoutMs: 1_000 }));
  const signup = async (email: string) => {
    const res = await fetch(`http://127.0.0.1:${port}/signup/${email}`, { method: 'POST' });
    return ((await res.json()) as { task_id: string }).task_id;
  };
  return { runtime, signup };
}

async function worker(path: string, options: { definitions: Parameters<typeof runWorker>[0]['definitions']; concurrency?: number }): Promise<RunningWorker> {
  const runtime = new TaskRuntime({
    backend: sqliteBackend({ path, pollIntervalMs: 10 }),
    offload: 'inline',
    lagThresholdMs: false,
    queues: { default: { concurrency: options.concurrency ?? 10 } },
  });
  const running = await runWorker({ runtime, definitions: options.definitions, app: new App({ logger: false }), handleSignals: false });
  toClose.push(() => running.close({ drainTimeoutMs: 1_000 }));
  return running;
}

/** A gate a task waits on, opened by the test. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('runWorker', () => {
  it('runs a task a request added in another runtime on the same file, with inject and currentTask', async () => {
    const path = freshPath();
    const scopes: string[] = [];
    // A dependency of the worker's own: opened and closed around each attempt, in the worker.
    function* mailer() {
      const id = currentTask()!.id;
      scopes.push(`open ${id}`);
      yield { send: (to: string) => `sent to ${to}` };
      scopes.push(`close ${id}`);
    }
    const sendWelcome = defineTask(
      'send-welcome',
      inject({ mailer }, async ({ mailer }, email: string) => {
        const task = currentTask()!;
        return { sent: mailer.send(email), id: task.id, attempt: task.attempt };
      }),
    );
    const api = await apiProcess(path, sendWelcome);
    const logger = memoryLogger();
    // The worker process: a runtime of its own on the same file, the same definitions.
    const runtime = new TaskRuntime({ backend: sqliteBackend({ path }) });
    const running = await runWorker({ runtime, definitions: [sendWelcome], app: new App({ logger }), handleSignals: false });
    toClose.push(() => running.close({ drainTimeoutMs: 1_000 }));

    const id = await api.signup('ada@example.com');
    await until(async () => (await api.runtime.get(id))?.state === 'succeeded');
    expect(await api.runtime.get(id)).toMatchObject({ state: 'succeeded', attempts: 1, result: { sent: 'sent to ada@example.com', id, attempt: 1 } });
    expect(scopes).toEqual([`open ${id}`, `close ${id}`]);
    const started = logger.entries.find((entry) => entry.msg === 'worker started');
    expect(started?.obj).toMatchObject({ queues: ['default'], backend: 'sqlite', path });
  });

  it('shares the file with a second worker: each task runs once, and both take some', async () => {
    const path = freshPath();
    const release = gate();
    const job = defineTask('job', async (label: string) => {
      await release.opened;
      return label;
    });
    await worker(path, { definitions: [job], concurrency: 2 });
    await worker(path, { definitions: [job], concurrency: 2 });
    const api = await apiProcess(path, job);
    const ids = await Promise.all(['a', 'b', 'c', 'd'].map((label) => api.signup(label)));
    // Two at a time per worker: four run at once only if both workers claimed some.
    await until(async () => (await api.runtime.stats()).running === 4);
    release.open();
    await until(async () => (await api.runtime.stats()).succeeded === 4);
    const records = (await Promise.all(ids.map((id) => api.runtime.get(id)))) as TaskRecord[];
    expect(records.map((r) => [r.state, r.attempts, r.result])).toEqual([
      ['succeeded', 1, 'a'],
      ['succeeded', 1, 'b'],
      ['succeeded', 1, 'c'],
      ['succeeded', 1, 'd'],
    ]);
  });

  it('close() lets a running task finish within the deadline; queued tasks stay in the file for the next worker', async () => {
    const path = freshPath();
    const release = gate();
    const job = defineTask('job', async (label: string) => {
      await release.opened;
      return label;
    });
    const api = await apiProcess(path, job);
    const first = await worker(path, { definitions: [job], concurrency: 1 });
    const ids = await Promise.all(['a', 'b', 'c'].map((label) => api.signup(label)));
    await until(async () => (await api.runtime.stats()).running === 1);
    const closing = first.close({ drainTimeoutMs: 10_000 });
    // Still running well after the drain began: handed back at once, it would be queued again with its attempt counted.
    setTimeout(release.open, 300);
    expect(await closing).toEqual({ abandoned: [] });
    const states = async () => Promise.all(ids.map(async (id) => (await api.runtime.get(id))?.state));
    expect((await states()).sort()).toEqual(['queued', 'queued', 'succeeded']);

    await worker(path, { definitions: [job] });
    await until(async () => (await states()).every((state) => state === 'succeeded'));
    for (const id of ids) expect(await api.runtime.get(id)).toMatchObject({ attempts: 1 });
  });

  it('a second close() with no deadline left hands a running task back to the file', async () => {
    const path = freshPath();
    const never = gate();
    // The default single attempt: the one handed back is not counted (the process chose to stop it).
    const job = defineTask('stuck', async (label: string) => {
      await never.opened;
      return label;
    });
    const api = await apiProcess(path, job);
    const first = await worker(path, { definitions: [job] });
    const id = await api.signup('x');
    await until(async () => (await api.runtime.get(id))?.state === 'running');
    const closing = first.close({ drainTimeoutMs: 60_000 });
    // A second Ctrl-C: the task never ends, so only the shortened deadline ends the drain.
    void first.close({ drainTimeoutMs: 0 });
    await closing;
    expect(await api.runtime.get(id)).toMatchObject({ state: 'queued', attempts: 0 });
    never.open();
  });

  it('refuses a memory backend, whose tasks live in the process that enqueued them', async () => {
    const runtime = new TaskRuntime();
    const job = defineTask('job', async () => {});
    await expect(runWorker({ runtime, definitions: [job], handleSignals: false })).rejects.toMatchObject({ code: 'FASTTS_ERR_TASK_WORKER_NOT_DURABLE', name: 'TaskSetupError' });
    expect(runtime.app).toBeUndefined();
    await runtime.close();
  });

  it('refuses a runtime made to only enqueue (work: false), which would run nothing', async () => {
    const runtime = new TaskRuntime({ backend: sqliteBackend({ path: freshPath() }), work: false });
    const job = defineTask('job', async () => {});
    await expect(runWorker({ runtime, definitions: [job], handleSignals: false })).rejects.toMatchObject({ code: 'FASTTS_ERR_TASK_OPTION' });
    expect(runtime.app).toBeUndefined();
    await runtime.close();
  });

  it('refuses a runtime with no definition to run', async () => {
    const runtime = new TaskRuntime({ backend: sqliteBackend({ path: freshPath() }) });
    await expect(runWorker({ runtime, handleSignals: false })).rejects.toMatchObject({ code: 'FASTTS_ERR_TASK_WORKER_NO_TASKS' });
    expect(runtime.app).toBeUndefined();
    await runtime.close();
  });
});
