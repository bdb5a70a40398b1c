import { afterEach, describe, expect, it } from 'vitest';
import { TestClient } from '@fastts/testing';
import { currentTask, defineTask, NonRetryableError, TaskTimeoutError, type TaskRuntime } from '@fastts/tasks';
import { appWith, sleep, type AnyHandle } from './helpers.js';

let runtime: TaskRuntime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

/** Milliseconds between the end of each attempt and the start of the next, from the task's own record. */
function gaps(handle: AnyHandle): number[] {
  const history = handle.record!.history;
  return history.slice(1).map((attempt, i) => attempt.startedAt.getTime() - history[i]!.finishedAt!.getTime());
}

/** The delays the backend planned (runAt minus the failed attempt's end): exact, unlike timer-driven gaps. */
const planned: number[] = [];

async function run(add: Parameters<typeof appWith>[0]) {
  const setup = appWith(add);
  runtime = setup.runtime;
  planned.length = 0;
  runtime.backend.watch((record) => {
    if (record.state === 'retrying') planned.push(record.runAt!.getTime() - record.history.at(-1)!.finishedAt!.getTime());
  });
  await new TestClient(setup.app, { raiseTaskErrors: false }).post('/run');
  return setup;
}

/** Timers never fire early; the upper bound, loose so a busy machine cannot fail it, only catches a delay ignored twice over. */
function expectWaited(gap: number, delay: number): void {
  expect(gap).toBeGreaterThanOrEqual(delay - 1);
  expect(gap).toBeLessThan(delay + 250);
}

describe('attempts and backoff', () => {
  it('retries a failing task until it succeeds, waiting the fixed delay between attempts', async () => {
    let calls = 0;
    const flaky = defineTask(
      'flaky',
      () => {
        if (++calls < 3) throw new Error(`failure ${calls}`);
        return 'third time lucky';
      },
      { maxAttempts: 5, backoff: { type: 'fixed', delayMs: 40, jitter: false } },
    );
    let handle: AnyHandle | undefined;
    await run((tasks) => void (handle = tasks.addTask(flaky)));
    expect(handle!.record).toMatchObject({ state: 'succeeded', attempts: 3, result: 'third time lucky' });
    expect(handle!.record!.history.map((a) => a.error?.message)).toEqual(['failure 1', 'failure 2', undefined]);
    expect(planned).toEqual([40, 40]);
    for (const gap of gaps(handle!)) expectWaited(gap, 40);
  });

  it('doubles the delay with exponential backoff and caps it at maxDelayMs', async () => {
    const failing = defineTask(
      'exponential',
      () => {
        throw new Error('down');
      },
      { maxAttempts: 4, backoff: { type: 'exponential', delayMs: 20, maxDelayMs: 50, jitter: false } },
    );
    let handle: AnyHandle | undefined;
    await run((tasks) => void (handle = tasks.addTask(failing)));
    expect(handle!.record).toMatchObject({ state: 'dead', attempts: 4 });
    expect(planned).toEqual([20, 40, 50]); // 80 capped at 50
    gaps(handle!).forEach((gap, i) => expectWaited(gap, planned[i]!));
  });

  it('spreads delays with jitter between half and all of the backoff', async () => {
    const failing = defineTask(
      'jittery',
      () => {
        throw new Error('down');
      },
      { maxAttempts: 4, backoff: { type: 'exponential', delayMs: 20, jitter: true } },
    );
    let handle: AnyHandle | undefined;
    await run((tasks) => void (handle = tasks.addTask(failing)));
    expect(planned).toHaveLength(3);
    [20, 40, 80].forEach((full, i) => {
      expect(planned[i]).toBeGreaterThanOrEqual(full / 2 - 1);
      expect(planned[i]).toBeLessThanOrEqual(full + 1);
    });
    gaps(handle!).forEach((gap, i) => expectWaited(gap, planned[i]! - 1));
  });

  it('ends failed after one attempt by default, and on a non-retryable error whatever maxAttempts says', async () => {
    let calls = 0;
    const once = defineTask('once', () => {
      calls++;
      throw new Error('boom');
    });
    const permanent = defineTask(
      'permanent',
      () => {
        calls++;
        throw new NonRetryableError('address does not exist');
      },
      { maxAttempts: 5, backoff: { delayMs: 1 } },
    );
    const handles: AnyHandle[] = [];
    await run((tasks) => void handles.push(tasks.addTask(once), tasks.addTask(permanent)));
    expect(handles.map((h) => [h.status, h.record!.attempts])).toEqual([
      ['failed', 1],
      ['failed', 1],
    ]);
    expect(calls).toBe(2);
  });
});

describe('timeouts', () => {
  it('aborts the attempt signal at timeoutMs and fails the attempt with TaskTimeoutError', async () => {
    let reason: unknown;
    const slow = defineTask(
      'slow',
      async () => {
        const signal = currentTask()!.signal;
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
        reason = signal.reason;
      },
      { timeoutMs: 30 },
    );
    let handle: AnyHandle | undefined;
    const started = Date.now();
    await run((tasks) => void (handle = tasks.addTask(slow)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(29);
    expect(reason).toBeInstanceOf(TaskTimeoutError);
    expect(handle!.record).toMatchObject({ state: 'failed', attempts: 1, error: { name: 'TaskTimeoutError', message: "task 'slow' timed out after 30 ms", code: 'FASTTS_ERR_TASK_TIMEOUT' } });
  });

  it('retries a timed-out attempt, and does not wait for a task that ignores its signal', async () => {
    const stubborn = defineTask('stubborn', () => sleep(300), { timeoutMs: 20, maxAttempts: 2, backoff: { type: 'fixed', delayMs: 1, jitter: false } });
    let handle: AnyHandle | undefined;
    const started = Date.now();
    await run((tasks) => void (handle = tasks.addTask(stubborn)));
    expect(Date.now() - started).toBeLessThan(280);
    expect(handle!.record).toMatchObject({ state: 'dead', attempts: 2, error: { name: 'TaskTimeoutError' } });
  });
});
