import { afterEach, describe, expect, it } from 'vitest';
import { BackgroundTaskError, TestClient } from '@fastts/testing';
import { currentTask, defineTask, type TaskFailureInfo, type TaskRuntime } from '@fastts/tasks';
import { appWith, sleep } from './helpers.js';

let runtime: TaskRuntime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

const alwaysFails = defineTask(
  'send-email',
  (to: string) => {
    throw new Error(`550 mailbox unavailable: ${to}`);
  },
  { maxAttempts: 3, backoff: { type: 'fixed', delayMs: 1, jitter: false } },
);

// A task that fails for good must reach the app's failure channel once, by name,
// through app.reportTaskError (log, app.taskFailures, the app's onTaskError),
// and the runtime's own onTaskError.

describe('task failures', () => {
  it('logs a task that failed all its attempts once, with its name, and calls onTaskError once', async () => {
    const reported: [unknown, TaskFailureInfo][] = [];
    const setup = appWith((tasks) => void tasks.addTask(alwaysFails, 'nobody@example.com'), {
      runtime: { onTaskError: (error, info) => void reported.push([error, info]) },
    });
    runtime = setup.runtime;
    await new TestClient(setup.app, { raiseTaskErrors: false }).post('/run', { headers: { 'x-request-id': 'r-1' } });
    expect(reported).toHaveLength(1);
    const [error, info] = reported[0]!;
    expect((error as Error).message).toBe('550 mailbox unavailable: nobody@example.com');
    expect(info).toMatchObject({ task: 'send-email', state: 'dead', attempts: 3, route: 'Run.run', requestId: 'r-1' });
    const retries = setup.logger.entries.filter((e) => e.msg === 'task attempt failed; retrying');
    expect(retries.map((e) => e.obj['attempt'])).toEqual([1, 2]);
    const failures = setup.logger.entries.filter((e) => e.msg === 'background task failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]!.obj).toMatchObject({ task: 'send-email', requestId: 'r-1', route: 'Run.run' });
  });

  it('keeps the runtime alive when onTaskError throws or rejects', async () => {
    const setup = appWith((tasks) => void tasks.addTask(alwaysFails, 'a@example.com'), {
      runtime: { onTaskError: () => Promise.reject(new Error('hook broke')) },
    });
    runtime = setup.runtime;
    await new TestClient(setup.app, { raiseTaskErrors: false }).post('/run');
    await sleep(5);
    expect(setup.logger.entries.filter((e) => e.msg === 'onTaskError hook failed')).toHaveLength(1);
  });

  it('puts it in app.taskFailures exactly once, so client.taskFailures and BackgroundTaskError see it', async () => {
    const hook: string[] = [];
    const setup = appWith((tasks) => void tasks.addTask(alwaysFails, 'nobody@example.com'), { app: { onTaskError: (_e, info) => void hook.push(info.task) } });
    runtime = setup.runtime;
    const client = new TestClient(setup.app);
    const error = await client.post('/run', { headers: { 'x-request-id': 'r-2' } }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BackgroundTaskError);
    expect((error as BackgroundTaskError).failures).toMatchObject([{ task: 'send-email', requestId: 'r-2', route: 'Run.run' }]);
    expect(client.taskFailures.filter((f) => f.task === 'send-email')).toHaveLength(1);
    expect(hook).toEqual(['send-email']);
  });
});

describe('event-loop lag', () => {
  it('names an in-process task that blocks the event loop past the threshold', async () => {
    const crunch = defineTask('crunch', (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    });
    const setup = appWith((tasks) => void tasks.addTask(crunch, 80), { runtime: { lagThresholdMs: 40 } });
    runtime = setup.runtime;
    await new TestClient(setup.app).post('/run');
    const warnings = setup.logger.entries.filter((e) => e.level === 'warn' && e.obj['task'] === 'crunch');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toBe('task blocked the event loop; mark it offload to run it on a worker thread');
    expect(warnings[0]!.obj['blockedMs']).toBeGreaterThanOrEqual(80);
  });

  it('names the tasks running when the loop stalls after an await', async () => {
    const lateCrunch = defineTask('late-crunch', async () => {
      await sleep(10);
      const end = performance.now() + 120;
      while (performance.now() < end);
      await sleep(40);
    });
    const setup = appWith((tasks) => void tasks.addTask(lateCrunch), { runtime: { lagThresholdMs: 50 } });
    runtime = setup.runtime;
    await new TestClient(setup.app).post('/run');
    const warning = setup.logger.entries.find((e) => e.msg === 'event loop blocked while these tasks ran in-process; mark CPU-heavy ones offload');
    expect(warning?.obj).toMatchObject({ tasks: ['late-crunch'] });
    expect(warning!.obj['blockedMs']).toBeGreaterThanOrEqual(50);
  });

  it('stays quiet for tasks that wait rather than compute', async () => {
    const waits = defineTask('waits', async () => {
      await sleep(60);
      return currentTask()!.name;
    });
    // A threshold a loaded test machine does not reach by itself (GC, other test files).
    const setup = appWith((tasks) => void tasks.addTask(waits), { runtime: { lagThresholdMs: 200 } });
    runtime = setup.runtime;
    await new TestClient(setup.app).post('/run');
    expect(setup.logger.entries.filter((e) => e.level === 'warn')).toEqual([]);
  });
});
