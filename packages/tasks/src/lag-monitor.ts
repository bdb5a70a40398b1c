import type { Logger } from '@fastts/core';

/**
 * Names the in-process tasks that block the event loop (fastapi/fastapi#1313:
 * a "background" task doing CPU work stalls every request). Two probes:
 *
 * - the synchronous start of each attempt is timed exactly, so a task that
 *   computes before its first `await` is named with certainty;
 * - while in-process tasks run, a timer checks its own drift, which catches
 *   blocking after an `await`; it names the tasks running at the time, since
 *   the event loop cannot say which callback blocked it.
 *
 * Offloaded tasks run on worker threads and are not watched.
 */
export class LagMonitor {
  readonly thresholdMs: number;
  readonly #logger: Logger;
  readonly #running = new Map<string, string>();
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #expected = 0;
  /** End of the last block already reported by the exact probe, so the drift probe does not report it twice. */
  #reportedUntil = 0;

  constructor(logger: Logger, thresholdMs: number) {
    this.#logger = logger;
    this.thresholdMs = thresholdMs;
    this.#intervalMs = Math.max(5, Math.min(50, Math.floor(thresholdMs / 2)));
  }

  /** Calls `start` (a task's function), timing its synchronous part. */
  run<T>(id: string, name: string, start: () => T): T {
    const begin = performance.now();
    try {
      return start();
    } finally {
      const blockedMs = performance.now() - begin;
      if (blockedMs > this.thresholdMs) {
        this.#reportedUntil = performance.now();
        this.#logger.warn({ task: name, taskId: id, blockedMs: Math.round(blockedMs), thresholdMs: this.thresholdMs }, 'task blocked the event loop; mark it offload to run it on a worker thread');
      }
    }
  }

  /** An in-process task started: the drift probe runs while any does. */
  enter(id: string, name: string): void {
    this.#running.set(id, name);
    if (this.#timer) return;
    this.#expected = performance.now() + this.#intervalMs;
    this.#timer = setInterval(() => this.#tick(), this.#intervalMs);
    this.#timer.unref();
  }

  leave(id: string): void {
    this.#running.delete(id);
    if (this.#running.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  stop(): void {
    this.#running.clear();
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    const now = performance.now();
    const lagMs = now - this.#expected;
    this.#expected = now + this.#intervalMs;
    if (lagMs <= this.thresholdMs || now - lagMs < this.#reportedUntil) return;
    const tasks = [...new Set(this.#running.values())];
    this.#logger.warn({ tasks, blockedMs: Math.round(lagMs), thresholdMs: this.thresholdMs }, 'event loop blocked while these tasks ran in-process; mark CPU-heavy ones offload');
  }
}
