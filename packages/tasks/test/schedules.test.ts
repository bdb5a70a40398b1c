import { Cron } from 'croner';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '@fastts/core';
import { defineTask, maxMissedTicks, MemoryBackend, MemoryScheduleStore, TaskArgumentsError, TaskRuntime, type TaskBackend } from '@fastts/tasks';
import { appWith, memoryLogger, sleep, until } from './helpers.js';

let runtime: TaskRuntime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

const yearly = '0 0 1 1 *';
/** The first tick of the yearly cron at or before now, in UTC. */
const thisNewYear = () => new Cron(yearly, { timezone: 'UTC' }).previousRuns(1, new Date(Date.now() + 1))[0]!.getTime();
const tickId = (name: string, tick: number) => `schedule:${name}:${new Date(tick).toISOString()}`;

/** A memory backend whose schedules live in `store`: a schedule already stored, as after a restart. */
function backendWith(store: MemoryScheduleStore): TaskBackend {
  return Object.assign(new MemoryBackend(), { schedules: store });
}

async function scheduledIds(on: TaskRuntime, name: string): Promise<string[]> {
  return (await on.list({ name, limit: Infinity })).map((r) => r.id).sort();
}

describe('runtime.schedule: ticks', () => {
  it('enqueues its task on each tick, with the tick in the id and the schedule as the route, then stops', async () => {
    const ran: string[] = [];
    const ping = defineTask('ping', (who: string) => void ran.push(who));
    const setup = appWith(() => undefined);
    runtime = setup.runtime;
    const schedule = runtime.schedule('every-second', '* * * * * *', ping, 'ada');
    expect(schedule.next()!.getTime() % 1000).toBe(0);

    await until(async () => (await scheduledIds(runtime!, 'ping')).length >= 2, 5_000);
    const records = await runtime.list({ name: 'ping' });
    for (const record of records) {
      expect(record.id).toMatch(/^schedule:every-second:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
      expect(record).toMatchObject({ route: 'schedule:every-second', args: ['ada'] });
    }
    await until(() => ran.length >= 2);
    expect(ran.slice(0, 2)).toEqual(['ada', 'ada']);
    const [info] = await runtime.schedules();
    expect(info).toMatchObject({ name: 'every-second', cron: '* * * * * *', task: 'ping', missed: 'skip', timezone: undefined });
    expect(info!.lastRun!.getTime()).toBe(Math.max(...records.map((r) => Date.parse(r.id.slice('schedule:every-second:'.length)))));
    expect(info!.nextRun!.getTime()).toBeGreaterThan(info!.lastRun!.getTime());

    schedule.stop();
    const fired = (await scheduledIds(runtime, 'ping')).length;
    // Past the tick that was next when it stopped, and one more.
    await sleep(Math.max(0, info!.nextRun!.getTime() - Date.now()) + 1_100);
    expect(await scheduledIds(runtime, 'ping')).toHaveLength(fired);
    expect(await runtime.schedules()).toEqual([]);
  });

  it('takes its options as an object, and frees its name when stopped', async () => {
    const noop = defineTask('noop', () => undefined);
    runtime = appWith(() => undefined).runtime;
    const first = runtime.schedule({ name: 'digest', cron: '0 8 * * MON', timezone: 'Europe/Paris', missed: 'once' }, noop);
    expect(first.next()).toEqual(new Cron('0 8 * * MON', { timezone: 'Europe/Paris' }).nextRun());
    expect(() => runtime!.schedule('digest', '0 9 * * *', noop)).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_TASK_SCHEDULE_TAKEN' }));
    first.stop();
    const second = runtime.schedule('digest', '0 9 * * *', noop);
    expect(await runtime.schedules()).toMatchObject([{ name: 'digest', cron: '0 9 * * *', nextRun: second.next() }]);
  });

  it('refuses a bad cron, time zone, missed rule or arguments with a coded error, at once', () => {
    const noop = defineTask('noop', (n: number) => void n);
    runtime = appWith(() => undefined).runtime;
    const on = runtime;
    expect(() => on.schedule('bad', '61 * * * *', noop, 1)).toThrow(
      expect.objectContaining({ name: 'TaskSetupError', code: 'FASTTS_ERR_TASK_CRON', message: expect.stringContaining("schedule 'bad': invalid cron pattern '61 * * * *'") }),
    );
    expect(() => on.schedule('bad', 'every day', noop, 1)).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_TASK_CRON' }));
    expect(() => on.schedule({ name: 'bad', cron: '* * * * *', timezone: 'Mars/Olympus' }, noop, 1)).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_TASK_OPTION' }));
    expect(() => on.schedule({ name: 'bad', cron: '* * * * *', missed: 'some' as 'all' }, noop, 1)).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_TASK_OPTION' }));
    expect(() => on.schedule('bad', '* * * * *', noop, Number.NaN)).toThrow(TaskArgumentsError);
    expect(() => new TaskRuntime().schedule('bad', '* * * * *', noop, 1)).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_TASK_NOT_ATTACHED' }));
  });

  it("stops when the app's drain begins, and refuses new schedules from then on", async () => {
    const noop = defineTask('noop', () => undefined);
    let release!: () => void;
    const blocker = defineTask('blocker', () => new Promise<void>((resolve) => (release = resolve)));
    const { app, runtime: on } = appWith(() => undefined);
    on.schedule('every-second', '* * * * * *', noop);
    const running = on.enqueue(blocker);
    await until(() => running.status === 'running');
    // The drain waits for the blocker: the schedules have stopped before it ends.
    const closing = app.close({ drainTimeoutMs: 10_000 });
    await until(async () => (await on.schedules()).length === 0);
    expect(() => on.schedule('later', '* * * * * *', noop)).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_TASK_SCHEDULE_CLOSED' }));
    expect(running.status).toBe('running');
    release();
    expect(await closing).toEqual({ abandoned: [] });

    const alone = appWith(() => undefined).runtime;
    alone.schedule('every-second', '* * * * * *', noop);
    await alone.close();
    expect(await alone.schedules()).toEqual([]);
  });
});

describe('runtime.schedule: ticks missed while no process ran it', () => {
  /** A runtime whose store holds `name` (the yearly cron, UTC) due since `since`, as a restart after downtime finds it. */
  async function afterDowntime(name: string, since: number) {
    const store = new MemoryScheduleStore();
    await store.define(name, { cron: yearly, timezone: 'UTC' }, since);
    const logger = memoryLogger();
    const app = new App({ logger });
    const on = new TaskRuntime({ backend: backendWith(store), lagThresholdMs: false }).attach(app);
    return { runtime: on, store, logger };
  }
  const newYear = defineTask('new-year', () => undefined);

  it("skips them by default (and says so in the log), moving the next run past now", async () => {
    const setup = await afterDowntime('yearly', Date.UTC(2020, 0, 1));
    runtime = setup.runtime;
    const schedule = runtime.schedule({ name: 'yearly', cron: yearly, timezone: 'UTC' }, newYear);
    const [info] = await runtime.schedules();
    expect(await scheduledIds(runtime, 'new-year')).toEqual([]);
    expect(info).toMatchObject({ nextRun: new Cron(yearly, { timezone: 'UTC' }).nextRun()!, lastRun: undefined });
    expect(schedule.next()).toEqual(info!.nextRun);
    expect(setup.logger.entries).toContainEqual(expect.objectContaining({ level: 'info', msg: 'schedule skipped the ticks missed while no process ran it', obj: expect.objectContaining({ schedule: 'yearly', from: '2020-01-01T00:00:00.000Z' }) }));
  });

  it("fires the latest one with missed: 'once'", async () => {
    runtime = (await afterDowntime('yearly', Date.UTC(2020, 0, 1))).runtime;
    runtime.schedule({ name: 'yearly', cron: yearly, timezone: 'UTC', missed: 'once' }, newYear);
    const [info] = await runtime.schedules();
    expect(await scheduledIds(runtime, 'new-year')).toEqual([tickId('yearly', thisNewYear())]);
    expect(info!.lastRun).toEqual(new Date(thisNewYear()));
  });

  it("fires each with missed: 'all', the latest maxMissedTicks of them at most", async () => {
    runtime = (await afterDowntime('yearly', Date.UTC(2020, 0, 1))).runtime;
    runtime.schedule({ name: 'yearly', cron: yearly, timezone: 'UTC', missed: 'all' }, newYear);
    await runtime.schedules();
    const years = Array.from({ length: new Date(thisNewYear()).getUTCFullYear() - 2019 }, (_, i) => tickId('yearly', Date.UTC(2020 + i, 0, 1)));
    expect(await scheduledIds(runtime, 'new-year')).toEqual(years);
    await runtime.close();

    // A thousand years down: the latest thousand ticks fire, and the log says the others did not.
    const setup = await afterDowntime('millennial', Date.UTC(900, 0, 1));
    runtime = setup.runtime;
    runtime.schedule({ name: 'millennial', cron: yearly, timezone: 'UTC', missed: 'all' }, newYear);
    await runtime.schedules();
    const ids = await scheduledIds(runtime, 'new-year');
    expect(ids).toHaveLength(maxMissedTicks);
    expect(ids.at(-1)).toBe(tickId('millennial', thisNewYear()));
    expect(setup.logger.entries).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'schedule fires only the latest missed ticks' }));
  });

  it('fires a tick found late within graceMs even by default, but only the latest: no backlog', async () => {
    const store = new MemoryScheduleStore();
    const now = Date.now();
    // Due a minute ago on a per-second cron: sixty ticks missed, the latest less than a second old.
    await store.define('every-second', { cron: '* * * * * *', timezone: '' }, now - (now % 1000) - 60_000);
    runtime = new TaskRuntime({ backend: backendWith(store), lagThresholdMs: false }).attach(new App({ logger: false }));
    runtime.schedule('every-second', '* * * * * *', newYear);
    const [info] = await runtime.schedules();
    const ids = await scheduledIds(runtime, 'new-year');
    expect(ids).toHaveLength(1);
    expect(ids[0]).toBe(tickId('every-second', info!.lastRun!.getTime()));
    expect(info!.lastRun!.getTime()).toBeGreaterThanOrEqual(now - (now % 1000));
  });

  it('enqueues nothing twice: a tick whose task is already in the backend is not an error', async () => {
    const store = new MemoryScheduleStore();
    const logger = memoryLogger();
    // As a process that enqueued the tick and died before moving the schedule on leaves it.
    await store.define('yearly', { cron: yearly, timezone: 'UTC' }, thisNewYear());
    runtime = new TaskRuntime({ backend: backendWith(store), lagThresholdMs: false }).attach(new App({ logger }));
    await runtime.backend.enqueue('new-year', [], { id: tickId('yearly', thisNewYear()), queue: 'default', priority: 0, maxAttempts: 1, backoff: newYear.backoff });
    runtime.schedule({ name: 'yearly', cron: yearly, timezone: 'UTC', missed: 'once' }, newYear);
    await runtime.schedules();
    expect(await scheduledIds(runtime, 'new-year')).toEqual([tickId('yearly', thisNewYear())]);
    expect((await runtime.schedules())[0]!.lastRun).toEqual(new Date(thisNewYear()));
    expect(logger.entries.filter((e) => e.level === 'error')).toEqual([]);
  });
});
