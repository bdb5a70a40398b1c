import { Cron } from 'croner';
import type { Logger } from '@fastts/core';
import { TaskSetupError } from './errors.js';
import { TaskHandle } from './handle.js';
import type { SubmitMeta } from './runtime-options.js';
import { samePattern, type SchedulePattern, type ScheduleStore, type StoredSchedule } from './schedule-store.js';
import type { PreparedArgs, TaskSpec } from './spec.js';

/**
 * What a schedule does with ticks that passed while no process ran it:
 * `skip` fires none of them, `once` fires the latest, `all` fires each
 * (the latest `maxMissedTicks` of them).
 */
export type MissedTicks = 'skip' | 'once' | 'all';

export interface ScheduleOptions {
  /** Names the schedule in the store: processes that define the same name share its ticks. */
  name: string;
  /** Five fields (minute precision), six (seconds first) or seven (a year last); croner's syntax, `@daily` and the like included. */
  cron: string;
  /** An IANA time zone (`Europe/Paris`). Default: the process's local time. */
  timezone?: string;
  /** Ticks that passed while no process ran the schedule. Default `skip`. */
  missed?: MissedTicks;
  /**
   * How late a tick may be fired and still count as on time rather than
   * missed: a process restarted within it fires the tick it was down for.
   * Default 10 000.
   */
  graceMs?: number;
}

/** A schedule of this runtime, as `runtime.schedules()` lists it. */
export interface ScheduleInfo {
  readonly name: string;
  readonly cron: string;
  readonly timezone: string | undefined;
  readonly missed: MissedTicks;
  /** The name of the task it enqueues. */
  readonly task: string;
  /** The next tick, as stored; undefined when the cron has none left, or another process stored the schedule with another cron. */
  readonly nextRun: Date | undefined;
  /** The latest tick fired, by any process on the store. */
  readonly lastRun: Date | undefined;
}

/** What schedules need of the runtime. */
export interface ScheduleHost {
  readonly store: ScheduleStore;
  register(definition: TaskSpec): void;
  submit(definition: TaskSpec, prepared: PreparedArgs, handle: TaskHandle, meta: SubmitMeta): Promise<void>;
  logger(): Logger | undefined;
}

/** Missed ticks fired at most by `missed: 'all'`: a per-second cron down for a day must not flood its queue. */
export const maxMissedTicks = 1000;
/** setTimeout's longest delay; a tick further away is looked at again then. */
const maxDelayMs = 2 ** 31 - 1;
/** After a store error, the schedule is looked at again this much later. */
const retryDelayMs = 1_000;
/** Rounds of compare-and-set lost to other processes before waiting for the retry delay. */
const maxRounds = 5;

/**
 * One cron schedule: enqueues its task on every tick. The stored next run is
 * moved on by a compare-and-set, so of all processes sharing the store
 * exactly one fires each tick, and the task it enqueues has the id
 * `schedule:<name>:<tick ISO>`, which a backend refuses twice.
 *
 * @example
 * ```ts
 * const nightly = runtime.schedule('nightly-report', '0 3 * * *', renderReport, 'daily');
 * nightly.next(); // the next tick, a Date
 * nightly.stop();
 * ```
 */
export class Schedule {
  readonly name: string;
  readonly cron: string;
  readonly timezone: string | undefined;
  readonly missed: MissedTicks;
  /** The name of the task it enqueues. */
  readonly task: string;
  readonly #pattern: SchedulePattern;
  readonly #croner: Cron;
  readonly #graceMs: number;
  readonly #host: ScheduleHost;
  readonly #fire: (tick: number) => void;
  readonly #onStop: () => void;
  #timer: NodeJS.Timeout | undefined;
  #next: number | null | undefined;
  #defined = false;
  #stopped = false;
  #turn: Promise<void> = Promise.resolve();

  /** Internal: made by `runtime.schedule`. */
  constructor(options: ScheduleOptions, definition: TaskSpec, args: unknown[], host: ScheduleHost, onStop: () => void) {
    const name = options?.name;
    if (typeof name !== 'string' || name.length === 0) throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', 'schedule', 'name', 'a non-empty string', name);
    const where = `schedule '${name}'`;
    if (typeof (definition as TaskSpec | undefined)?.prepare !== 'function') throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', where, 'task', 'a task from defineTask', definition);
    this.missed = options.missed ?? 'skip';
    if (!['skip', 'once', 'all'].includes(this.missed)) throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', where, 'missed', "'skip', 'once' or 'all'", this.missed);
    this.#graceMs = options.graceMs ?? 10_000;
    if (!Number.isFinite(this.#graceMs) || this.#graceMs < 0) throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', where, 'graceMs', 'a number >= 0', this.#graceMs);
    this.timezone = options.timezone;
    if (this.timezone !== undefined && !isTimeZone(this.timezone)) throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', where, 'timezone', "an IANA time zone ('Europe/Paris')", this.timezone);
    this.cron = options.cron;
    this.#croner = parseCron(name, this.cron, this.timezone);
    // Checked now, not at the first tick: a schedule whose arguments cannot travel fails at boot.
    definition.prepare(args);
    this.name = name;
    this.task = definition.name;
    this.#pattern = { cron: this.cron, timezone: this.timezone ?? '' };
    this.#host = host;
    this.#onStop = onStop;
    this.#fire = (tick) => this.#enqueue(definition, args, tick);
    this.#next = this.#nextAfter(Date.now());
    host.register(definition);
    this.#turn = this.#wake();
  }

  /** The next tick this process knows of; undefined when the cron has none left, or another process stored the schedule with another cron. */
  next(): Date | undefined {
    return this.#next == null ? undefined : new Date(this.#next);
  }

  /** Stops firing in this process. The stored schedule stays, for other processes and the next start. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#onStop();
  }

  /** Internal: the schedule as stored, once its current evaluation is done. */
  async info(): Promise<ScheduleInfo> {
    await this.#turn;
    const row = await this.#host.store.get(this.name);
    const mine = row !== undefined && samePattern(row, this.#pattern);
    return {
      name: this.name,
      cron: this.cron,
      timezone: this.timezone,
      missed: this.missed,
      task: this.task,
      nextRun: mine && row.nextRun !== null ? new Date(row.nextRun) : undefined,
      lastRun: row?.lastRun == null ? undefined : new Date(row.lastRun),
    };
  }

  /** Internal: resolves once the evaluation in progress (if any) has ended. */
  settled(): Promise<void> {
    return this.#turn;
  }

  #arm(at: number): void {
    if (this.#stopped) return;
    const delay = Math.min(Math.max(0, at - Date.now()), maxDelayMs);
    this.#timer = setTimeout(() => (this.#turn = this.#wake()), delay);
    // A schedule alone must not keep a process alive: the app's server or worker does.
    this.#timer.unref();
  }

  async #wake(): Promise<void> {
    this.#timer = undefined;
    try {
      for (let round = 0; round < maxRounds && !this.#stopped; round++) {
        if (await this.#evaluate()) return;
      }
    } catch (err) {
      this.#host.logger()?.error({ err, schedule: this.name }, 'schedule could not read or write its store; trying again');
    }
    this.#arm(Date.now() + retryDelayMs);
  }

  /** Fires what is due and arms the timer; false when another process moved the schedule meanwhile. */
  async #evaluate(): Promise<boolean> {
    const store = this.#host.store;
    let now = Date.now();
    // The first look defines it (a restart keeps the stored next run; a changed cron recomputes it);
    // later ones find it gone only if someone deleted the row.
    const row = (this.#defined ? await store.get(this.name) : undefined) ?? (await store.define(this.name, this.#pattern, this.#nextAfter(now)));
    this.#defined = true;
    if (this.#stopped) return true;
    if (!samePattern(row, this.#pattern)) return this.#standAside(row);
    if (row.nextRun === null) {
      this.#next = null;
      return true;
    }
    now = Date.now();
    if (row.nextRun > now) {
      this.#next = row.nextRun;
      this.#arm(row.nextRun);
      return true;
    }
    const ticks = this.#due(row.nextRun, now);
    const next = this.#nextAfter(now);
    const won = await store.advance(this.name, this.#pattern, row.nextRun, next, ticks.at(-1) ?? row.lastRun);
    if (!won) return false;
    // Fired even if stop() came during the write: the ticks are consumed in the store now.
    for (const tick of ticks) this.#fire(tick);
    this.#next = next;
    if (next !== null) this.#arm(next);
    return true;
  }

  /** The ticks from `from` (the stored next run, due) to `now` that fire, by the `missed` rule. */
  #due(from: number, now: number): number[] {
    const latest = Math.max(from, this.#croner.previousRuns(1, new Date(now + 1))[0]?.getTime() ?? from);
    if (this.missed === 'once') return [latest];
    if (this.missed === 'skip') {
      if (now - latest <= this.#graceMs) return [latest];
      this.#host.logger()?.info({ schedule: this.name, from: new Date(from).toISOString(), until: new Date(latest).toISOString() }, 'schedule skipped the ticks missed while no process ran it');
      return [];
    }
    const ticks = this.#croner
      .previousRuns(maxMissedTicks, new Date(now + 1))
      .map((date) => date.getTime())
      .filter((tick) => tick >= from)
      .reverse();
    if (ticks.length === maxMissedTicks && ticks[0]! > from) {
      this.#host.logger()?.warn({ schedule: this.name, from: new Date(from).toISOString(), firstFired: new Date(ticks[0]!).toISOString(), maxMissedTicks }, 'schedule fires only the latest missed ticks');
    }
    return ticks.length > 0 ? ticks : [latest];
  }

  // Another process defined this name with another cron (a deploy in progress): it fires the
  // ticks, and this process looks again at the stored next run, in case it is redefined back.
  #standAside(row: StoredSchedule): boolean {
    if (this.#next !== undefined) {
      this.#host.logger()?.warn({ schedule: this.name, cron: this.cron, storedCron: row.cron, storedTimezone: row.timezone || undefined }, 'schedule is stored with another cron by another process; this process leaves its ticks to it');
    }
    this.#next = undefined;
    this.#arm(row.nextRun ?? Date.now() + maxDelayMs);
    return true;
  }

  #nextAfter(now: number): number | null {
    return this.#croner.nextRun(new Date(now))?.getTime() ?? null;
  }

  #enqueue(definition: TaskSpec, args: unknown[], tick: number): void {
    const id = `schedule:${this.name}:${new Date(tick).toISOString()}`;
    let prepared: PreparedArgs;
    try {
      prepared = definition.prepare(args);
    } catch (err) {
      this.#host.logger()?.error({ err, schedule: this.name, task: definition.name, taskId: id }, 'scheduled task could not be enqueued');
      return;
    }
    this.#host.submit(definition, prepared, new TaskHandle(id, definition.name), { route: `schedule:${this.name}`, ownId: true }).catch((err: unknown) => {
      // Enqueued already, by a process that raced this one or by this one before a restart.
      if ((err as { code?: unknown }).code === 'FASTTS_ERR_TASK_ID_TAKEN') return;
      this.#host.logger()?.error({ err, schedule: this.name, task: definition.name, taskId: id }, 'scheduled task could not be enqueued');
    });
  }
}

/** The schedules of one runtime. */
export class Schedules {
  readonly #host: ScheduleHost;
  readonly #active = new Map<string, Schedule>();
  #closed = false;

  constructor(host: ScheduleHost) {
    this.#host = host;
  }

  /** `runtime.schedule(name, cron, definition, ...args)` or `runtime.schedule(options, definition, ...args)`. */
  add(first: string | ScheduleOptions, rest: unknown[]): Schedule {
    const [options, definition, args] =
      typeof first === 'string' ? [{ name: first, cron: rest[0] as string }, rest[1] as TaskSpec, rest.slice(2)] : [first, rest[0] as TaskSpec, rest.slice(1)];
    if (this.#active.has(options?.name)) throw new TaskSetupError('FASTTS_ERR_TASK_SCHEDULE_TAKEN', options.name);
    if (this.#closed) throw new TaskSetupError('FASTTS_ERR_TASK_SCHEDULE_CLOSED', options.name);
    const schedule: Schedule = new Schedule(options, definition, args, this.#host, () => {
      if (this.#active.get(schedule.name) === schedule) this.#active.delete(schedule.name);
    });
    this.#active.set(schedule.name, schedule);
    return schedule;
  }

  async list(): Promise<ScheduleInfo[]> {
    return Promise.all([...this.#active.values()].map((schedule) => schedule.info()));
  }

  /** Stops every schedule and waits for evaluations in progress, so that what they fire reaches the backend before it closes. */
  async close(): Promise<void> {
    this.#closed = true;
    const schedules = [...this.#active.values()];
    for (const schedule of schedules) schedule.stop();
    await Promise.all(schedules.map((schedule) => schedule.settled()));
  }
}

function parseCron(name: string, cron: unknown, timezone: string | undefined): Cron {
  if (typeof cron !== 'string') throw new TaskSetupError('FASTTS_ERR_TASK_CRON', name, cron, 'a cron pattern is a string');
  try {
    // No function: croner only computes the ticks; the schedule keeps its own timer.
    return new Cron(cron, { timezone });
  } catch (error) {
    throw new TaskSetupError('FASTTS_ERR_TASK_CRON', name, cron, error instanceof Error ? error.message : String(error));
  }
}

function isTimeZone(timezone: unknown): boolean {
  if (typeof timezone !== 'string' || timezone === '') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}
