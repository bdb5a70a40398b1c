import { setTimeout as sleep } from 'node:timers/promises';

export const SLOW_TASK_MS = 50;

/** The name of `POST /bg-durable`'s named task, shared with the process that works off stored ones. */
export const DURABLE_TASK = 'bench-record';

/**
 * What the background tasks of `POST /bg` and `POST /bg-slow` append to.
 * `GET /bg-count` reports its length, so the correctness check (and the
 * harness, after each measured run) can see that the tasks really ran.
 */
export const completed: string[] = [];

/** The `POST /bg` task: an append. */
export function recordTask(kind: string): void {
  completed.push(kind);
}

/** The `POST /bg-slow` task: 50 ms of awaited work, then an append. */
export async function slowTask(kind: string): Promise<void> {
  await sleep(SLOW_TASK_MS);
  completed.push(kind);
}
