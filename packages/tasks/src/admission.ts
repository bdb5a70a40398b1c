import type { Logger } from '@fastts/core';
import type { TaskState } from './backend.js';
import { TaskQueueFullError } from './errors.js';

/** How full one queue may get. */
export interface QueueBound {
  maxQueued: number;
  retryAfterSeconds: number;
}

/** One queue's depth, as `runtime.queueStats()` and `GET /tasks/stats` report it. */
export interface QueueStats {
  /** Tasks waiting: queued (held by a request still finishing, or in the backend) or retrying. */
  waiting: number;
  running: number;
  maxQueued: number;
  /** A warning is logged when `waiting` reaches it (80% of `maxQueued`). */
  highWater: number;
}

interface QueueDepth {
  readonly name: string;
  readonly bound: QueueBound;
  readonly highWater: number;
  readonly waiting: Set<string>;
  readonly running: Set<string>;
  /** `enqueueWhenRoom` callers, first come first served. */
  readonly waiters: { id: string; admitted: () => void }[];
  warnedHigh: boolean;
  warnedFull: boolean;
}

/**
 * Keeps every queue within its bound (issue 15: an unbounded queue grew to
 * 1.41 M tasks and 3.3 GB, then the process died with all of them). A task
 * takes a waiting place when it is accepted, before the backend has it, and
 * gives it up when it starts, ends, or is dropped; the backend's state changes
 * drive the counts. A retry puts a task back among the waiting without asking:
 * it was accepted already, so a queue may exceed its bound by at most its
 * concurrency.
 */
export class QueueAdmission {
  readonly #queues = new Map<string, QueueDepth>();
  readonly #boundOf: (queue: string) => QueueBound;
  readonly #logger: () => Logger | undefined;

  constructor(boundOf: (queue: string) => QueueBound, logger: () => Logger | undefined) {
    this.#boundOf = boundOf;
    this.#logger = logger;
  }

  /** Takes a waiting place in `queue` for task `id`, or throws TaskQueueFullError. */
  admit(queue: string, id: string): void {
    const depth = this.#depth(queue);
    if (depth.waiting.has(id)) return;
    if (depth.waiting.size >= depth.bound.maxQueued) {
      if (!depth.warnedFull) {
        depth.warnedFull = true;
        this.#logger()?.warn({ queue, waiting: depth.waiting.size, maxQueued: depth.bound.maxQueued }, 'task queue full; refusing new tasks');
      }
      throw new TaskQueueFullError(queue, depth.waiting.size, depth.bound.retryAfterSeconds);
    }
    this.#enter(depth, id);
  }

  /** Takes a waiting place once `queue` has room (the `block` policy). */
  whenRoom(queue: string, id: string): Promise<void> {
    const depth = this.#depth(queue);
    if (depth.waiters.length === 0 && depth.waiting.size < depth.bound.maxQueued) {
      this.#enter(depth, id);
      return Promise.resolve();
    }
    return new Promise((admitted) => depth.waiters.push({ id, admitted }));
  }

  /** Whether task `id` holds a waiting place in `queue`. */
  holds(queue: string, id: string): boolean {
    return this.#queues.get(queue)?.waiting.has(id) ?? false;
  }

  /** Follows a task through the backend's states. */
  observe(queue: string, id: string, state: TaskState): void {
    const depth = this.#depth(queue);
    if (state === 'queued' || state === 'retrying') {
      depth.running.delete(id);
      this.#enter(depth, id);
      return;
    }
    if (state === 'running') depth.running.add(id);
    else depth.running.delete(id);
    this.#leave(depth, id);
  }

  /** Frees the place of a task that will not reach the backend. */
  forget(queue: string, id: string): void {
    const depth = this.#queues.get(queue);
    if (depth) this.#leave(depth, id);
  }

  stats(): Record<string, QueueStats> {
    const stats: Record<string, QueueStats> = {};
    for (const [name, depth] of this.#queues) {
      stats[name] = { waiting: depth.waiting.size, running: depth.running.size, maxQueued: depth.bound.maxQueued, highWater: depth.highWater };
    }
    return stats;
  }

  /** At close: lets every waiter through; the closed backend cancels what they enqueue. */
  releaseWaiters(): void {
    for (const depth of this.#queues.values()) {
      for (const waiter of depth.waiters.splice(0)) {
        depth.waiting.add(waiter.id);
        waiter.admitted();
      }
    }
  }

  #depth(queue: string): QueueDepth {
    let depth = this.#queues.get(queue);
    if (!depth) {
      const bound = this.#boundOf(queue);
      depth = { name: queue, bound, highWater: Math.max(1, Math.floor(bound.maxQueued * 0.8)), waiting: new Set(), running: new Set(), waiters: [], warnedHigh: false, warnedFull: false };
      this.#queues.set(queue, depth);
    }
    return depth;
  }

  #enter(depth: QueueDepth, id: string): void {
    depth.waiting.add(id);
    if (depth.warnedHigh || depth.waiting.size < depth.highWater) return;
    depth.warnedHigh = true;
    this.#logger()?.warn({ queue: depth.name, waiting: depth.waiting.size, highWater: depth.highWater, maxQueued: depth.bound.maxQueued }, 'task queue above its high-water mark');
  }

  #leave(depth: QueueDepth, id: string): void {
    if (!depth.waiting.delete(id)) return;
    while (depth.waiters.length > 0 && depth.waiting.size < depth.bound.maxQueued) {
      const waiter = depth.waiters.shift()!;
      this.#enter(depth, waiter.id);
      waiter.admitted();
    }
    // Warn again only after the queue has drained well below the mark, not on every crossing.
    if (depth.waiting.size <= depth.highWater / 2) depth.warnedHigh = depth.warnedFull = false;
  }
}
