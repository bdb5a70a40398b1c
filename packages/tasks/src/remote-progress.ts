import type { FollowedTask, TaskBackend, TaskRecord, TaskState } from './backend.js';

/**
 * A durable backend reports only the changes its own process makes; a task
 * this process added may run in another (a worker process). While such tasks
 * are pending, this polls their states every `intervalMs` in one cheap query
 * (`peek`) and hands each changed record to `apply` (only the state, to
 * `applyState`, of a task nothing waits on), so handles settle, queue counts
 * fall and nothing is kept for a task that finished elsewhere. A task no
 * longer in the store (purged) goes to `gone`. The next poll waits at least
 * 20 times as long as the last one took, so following a large backlog costs
 * at most about 5% of the process.
 */
export class RemoteProgress {
  readonly #backend: TaskBackend;
  readonly #followed: () => FollowedTask[];
  readonly #apply: (record: TaskRecord) => void;
  readonly #applyState: (task: FollowedTask, state: TaskState) => void;
  readonly #gone: (id: string) => void;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  #stopped = false;

  constructor(
    backend: TaskBackend,
    followed: () => FollowedTask[],
    apply: (record: TaskRecord) => void,
    applyState: (task: FollowedTask, state: TaskState) => void,
    gone: (id: string) => void,
    intervalMs = 250,
  ) {
    this.#backend = backend;
    this.#followed = followed;
    this.#apply = apply;
    this.#applyState = applyState;
    this.#gone = gone;
    this.#intervalMs = intervalMs;
  }

  /** Starts polling if it is not already (a handle was added). */
  wake(): void {
    if (this.#timer || this.#polling || !this.#backend.peek) return;
    this.#schedule(this.#intervalMs);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#stopped = true;
  }

  #schedule(delayMs: number): void {
    this.#stopped = false;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#poll();
    }, delayMs);
    this.#timer.unref();
  }

  async #poll(): Promise<void> {
    const followed = this.#followed();
    if (followed.length === 0) return;
    this.#polling = true;
    const started = performance.now();
    try {
      const byId = new Map(followed.map((task) => [task.id, task]));
      for (const { id, state, record } of await this.#backend.peek!(followed)) {
        const task = byId.get(id);
        if (state === undefined) this.#gone(id);
        else if (task && !task.wantsRecord) this.#applyState(task, state);
        else {
          const found = record ?? (await this.#backend.get(id));
          if (found) this.#apply(found);
        }
      }
    } catch {
      // The store is busy or closing: the next poll tries again.
    } finally {
      this.#polling = false;
    }
    if (!this.#stopped && !this.#timer) this.#schedule(Math.max(this.#intervalMs, 20 * (performance.now() - started)));
  }
}
