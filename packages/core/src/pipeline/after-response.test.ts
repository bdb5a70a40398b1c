import { describe, expect, it } from 'vitest';
import { BackgroundTask, BackgroundTasks } from '../background.js';
import type { App } from '../app.js';
import { memoryLogger } from '../../test/helpers.js';
import { BackgroundRun } from './after-response.js';
import { BackgroundSupervisor } from './supervisor.js';

// BackgroundRun on its own: its states, driven by hand in every order the
// server can produce, without a socket.

function setup() {
  const logger = memoryLogger();
  const supervisor = new BackgroundSupervisor({} as App, logger, undefined);
  const log: string[] = [];
  const task = (name: string) => new BackgroundTask(() => void log.push(name));
  return { logger, supervisor, log, task };
}


describe('BackgroundRun', () => {
  it('starts once the body is written and the response closed, in that order', () => {
    const { supervisor, log, task } = setup();
    const run = new BackgroundRun(supervisor, 'R.a', undefined, new BackgroundTasks([task('one')]), undefined, task('two'), undefined);
    supervisor.begin(run);
    expect(run.state).toBe('waiting');
    run.markWritten();
    expect(run.state).toBe('written');
    expect(log).toEqual([]);
    run.markClosed();
    expect(log).toEqual(['one', 'two']);
    expect(run.state).toBe('done');
    expect(supervisor.size).toBe(0);
  });

  it('starts once the response closed and the body is written, in that order', () => {
    const { supervisor, log, task } = setup();
    const run = new BackgroundRun(supervisor, 'R.a', undefined, undefined, task('temp'), task('own'), undefined);
    supervisor.begin(run);
    run.markClosed();
    expect(run.state).toBe('closed');
    expect(log).toEqual([]);
    run.markWritten();
    expect(log).toEqual(['temp', 'own']);
    // Marks after the start change nothing.
    run.markClosed();
    run.markWritten();
    expect(log).toEqual(['temp', 'own']);
  });

  it('reports a throwing task and runs the ones after it; the first error goes to cleanups', async () => {
    const { supervisor, log, task, logger } = setup();
    const tasks = new BackgroundTasks([
      new BackgroundTask(function fails() {
        throw new Error('boom');
      }),
      task('after'),
      new BackgroundTask(async function rejects() {
        throw new Error('later');
      }),
      task('last'),
    ]);
    const run = new BackgroundRun(supervisor, 'R.a', undefined, tasks, undefined, undefined, undefined);
    supervisor.begin(run);
    run.markWritten();
    run.markClosed();
    expect(run.state).toBe('running');
    await supervisor.idle();
    expect(log).toEqual(['after', 'last']);
    expect(supervisor.failures.map((f) => [f.task, (f.error as Error).message])).toEqual([
      ['fails', 'boom'],
      ['rejects', 'later'],
    ]);
    expect((run.error as Error).message).toBe('boom');
    expect(logger.entries.filter((e) => e.level === 'error')).toHaveLength(2);
  });

  it('runs a task added while the tasks run; warns of one added after the run moved past its list', async () => {
    const { supervisor, log, task, logger } = setup();
    const tasks = new BackgroundTasks();
    tasks.addTask(() => {
      log.push('first');
      tasks.add(task('added while running'));
    });
    const run = new BackgroundRun(supervisor, 'R.late', undefined, tasks, undefined, task('own'), undefined);
    supervisor.begin(run);
    run.markWritten();
    run.markClosed();
    expect(log).toEqual(['first', 'added while running', 'own']);
    tasks.add(task('too late'));
    // The next warning pass (after cleanups) names it; with no cleanups, the run is already done.
    expect(run.state).toBe('done');
    expect(log).not.toContain('too late');
    const withCleanup = new BackgroundTasks([task('a')]);
    const ctx = { cleanups: [{ label: 'dep', generator: (function* () { yield 1; withCleanup.add(task('from cleanup')); })() }], uploads: undefined };
    (ctx.cleanups[0]!.generator as Generator).next();
    const second = new BackgroundRun(supervisor, 'R.cleanup', undefined, withCleanup, undefined, undefined, ctx as never);
    supervisor.begin(second);
    second.markWritten();
    second.markClosed();
    await supervisor.idle();
    expect(logger.entries.filter((e) => e.level === 'warn').map((e) => e.obj['task'])).toEqual(['anonymous']);
    expect(log).not.toContain('from cleanup');
  });

  it('aborts: a pending task sees its signal fire, and the run names what is pending', async () => {
    const { supervisor } = setup();
    let seen: unknown;
    const waits = new BackgroundTask(function waits(this: unknown) {
      return undefined;
    });
    const tasks = new BackgroundTasks([
      new BackgroundTask(async function blocks() {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }),
      waits,
    ]);
    const run = new BackgroundRun(supervisor, 'R.abort', undefined, tasks, undefined, undefined, undefined);
    run.signal.addEventListener('abort', () => (seen = run.signal.reason));
    supervisor.begin(run);
    run.markWritten();
    run.markClosed();
    expect(run.pendingNames()).toEqual(['blocks', 'waits']);
    expect(supervisor.pendingNames()).toEqual(['blocks', 'waits']);
    supervisor.abortAll(new Error('deadline'));
    expect((seen as Error).message).toBe('deadline');
    await supervisor.idle();
    expect(run.state).toBe('done');
  });

  it('a skipped run discards its tasks instead of running them', () => {
    const { supervisor, log, task } = setup();
    const discarded: string[] = [];
    const skipped = Object.assign(task('skipped'), { discard: (reason: string) => void discarded.push(reason) });
    const run = new BackgroundRun(supervisor, 'R.skip', undefined, new BackgroundTasks([skipped]), undefined, undefined, undefined);
    supervisor.begin(run);
    run.skipTasks();
    run.markClosed();
    run.markWritten();
    expect(log).toEqual([]);
    expect(discarded).toEqual(['handler-failed']);
  });
});



describe('BackgroundRun and untrusted return values', () => {
  it('a task returning a value whose `then` getter throws is reported, and the next task runs', async () => {
    const { supervisor, log, task } = setup();
    const hostile = new BackgroundTask(function hostile() {
      return Object.defineProperty({}, 'then', {
        get() {
          throw new Error('then getter');
        },
      });
    });
    const run = new BackgroundRun(supervisor, 'R.then', undefined, new BackgroundTasks([hostile, task('next')]), undefined, undefined, undefined);
    supervisor.begin(run);
    run.markWritten();
    run.markClosed();
    await supervisor.idle();
    expect(log).toEqual(['next']);
    expect(supervisor.failures.map((f) => [f.task, (f.error as Error).message])).toEqual([['hostile', 'then getter']]);
  });
});
