import { afterEach, describe, expect, it } from 'vitest';
import { App, BackgroundTasks, Controller, Depends, dependency, Injectable, Post } from '@fastts/core';
import { TestClient } from '@fastts/testing';
import { currentTask, defineTask, inject, TaskSetupError, type TaskRuntime } from '@fastts/tasks';
import { appWith, sleep, type AnyHandle } from './helpers.js';

let runtime: TaskRuntime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

/** A database whose sessions log when they open, commit, roll back and close. */
function fakeDb(events: string[]) {
  let sessions = 0;
  const getSession = dependency([], async function* () {
    const id = ++sessions;
    events.push(`open session ${id}`);
    let closed = false;
    try {
      yield {
        id,
        query: (sql: string) => {
          if (closed) throw new Error(`session ${id} is closed`);
          events.push(`session ${id}: ${sql}`);
        },
      };
      events.push(`commit session ${id}`);
    } catch (err) {
      events.push(`rollback session ${id}: ${(err as Error).message}`);
      throw err;
    } finally {
      closed = true;
      events.push(`close session ${id}`);
    }
  });
  return getSession;
}

describe('task-scoped dependencies', () => {
  it("opens the task's own resources when it starts and cleans them up, last first, when it ends", async () => {
    const events: string[] = [];
    const getSession = fakeDb(events);
    const getMailer = dependency([Depends(getSession)], async function* (session) {
      events.push(`open mailer on session ${session.id}`);
      yield { send: (to: string) => session.query(`INSERT mail ${to}`) };
      events.push('close mailer');
    });
    const welcome = defineTask(
      'welcome',
      inject({ session: getSession, mailer: getMailer }, async ({ session, mailer }, to: string) => {
        session.query(`SELECT user ${to}`);
        mailer.send(to);
      }),
    );
    // The request has its own session, which closes once its background has run.
    const setup = appWith((tasks) => void tasks.addTask(welcome, 'ada'));
    runtime = setup.runtime;
    await new TestClient(setup.app).post('/run');
    expect(events).toEqual([
      'open session 1',
      'open mailer on session 1',
      'session 1: SELECT user ada',
      'session 1: INSERT mail ada',
      'close mailer',
      'commit session 1',
      'close session 1',
    ]);
  });

  it("never hands a task the request's session, which is closed by the time the task runs", async () => {
    const events: string[] = [];
    const getSession = fakeDb(events);
    const audit = defineTask(
      'audit',
      inject({ session: getSession }, async ({ session }, what: string) => {
        await sleep(20); // long enough for the request to finish and close its own session
        session.query(`INSERT audit ${what}`);
      }),
    );
    @Controller()
    class Orders {
      @Post('/orders')
      create(@Depends(getSession) session: { id: number; query(sql: string): void }, tasks: BackgroundTasks) {
        session.query('INSERT order');
        tasks.addTask(audit, 'order created');
        return {};
      }
    }
    const app = new App({ logger: false }).include(Orders);
    await new TestClient(app).post('/orders');
    expect(events).toEqual([
      'open session 1',
      'session 1: INSERT order',
      // the request's session closes once its background (the enqueue) has run…
      'commit session 1',
      'close session 1',
      // …and the task opens its own when it starts, and works on it.
      'open session 2',
      'session 2: INSERT audit order created',
      'commit session 2',
      'close session 2',
    ]);
  });

  it('rolls back with the error of a failed attempt, and gives each attempt a fresh scope', async () => {
    const events: string[] = [];
    const getSession = fakeDb(events);
    let attempt = 0;
    const charge = defineTask(
      'charge',
      inject({ session: getSession }, ({ session }) => {
        session.query('UPDATE balance');
        if (++attempt === 1) throw new Error('gateway timeout');
      }),
      { maxAttempts: 2, backoff: { type: 'fixed', delayMs: 1, jitter: false } },
    );
    const setup = appWith((tasks) => void tasks.addTask(charge));
    runtime = setup.runtime;
    await new TestClient(setup.app).post('/run');
    expect(events).toEqual([
      'open session 1',
      'session 1: UPDATE balance',
      'rollback session 1: gateway timeout',
      'close session 1',
      'open session 2',
      'session 2: UPDATE balance',
      'commit session 2',
      'close session 2',
    ]);
  });

  it('solves dependencies on demand with currentTask().use, class dependencies included, and honours overrides', async () => {
    const events: string[] = [];
    @Injectable()
    class Clock {
      now() {
        return 'real time';
      }
    }
    const fake = dependency([], () => ({ now: () => 'fake time' }));
    const stamp = defineTask('stamp', async () => {
      const clock = await currentTask()!.use(Clock);
      events.push(clock.now());
    });
    const setup = appWith((tasks) => void tasks.addTask(stamp));
    runtime = setup.runtime;
    const client = new TestClient(setup.app);
    await client.post('/run');
    setup.app.dependencyOverrides.set(Clock, fake);
    await client.post('/run');
    expect(events).toEqual(['real time', 'fake time']);
  });

  it('fails the attempt when a cleanup fails after the task succeeded (a commit that did not happen)', async () => {
    const failingCommit = dependency([], async function* () {
      yield 'session';
      throw new Error('commit failed: deadlock');
    });
    const write = defineTask('write', inject({ s: failingCommit }, () => 'written'));
    let handle: AnyHandle | undefined;
    const setup = appWith((tasks) => void (handle = tasks.addTask(write)));
    runtime = setup.runtime;
    await new TestClient(setup.app, { raiseTaskErrors: false }).post('/run');
    expect(handle!.record).toMatchObject({ state: 'failed', error: { message: 'commit failed: deadlock' } });
  });

  it('refuses to run an injected function outside a task', async () => {
    const getThing = dependency([], () => 1);
    const fn = inject({ thing: getThing }, ({ thing }, n: number) => thing + n);
    await expect(fn(1)).rejects.toBeInstanceOf(TaskSetupError);
  });
});
