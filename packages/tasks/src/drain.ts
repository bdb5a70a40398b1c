import type { TaskHost } from './core-seam.js';

/**
 * Registers each pending task of a memory backend with the app's background
 * tracker, so `backgroundIdle()` and `close({ drainTimeoutMs })` wait for it,
 * and at the deadline abort it (which cancels it in the backend) and name it.
 * A durable backend's queued tasks are not registered (they wait for the next
 * process); its running ones are, unnamed, so the drain gives them its deadline.
 */
export class DrainTracking {
  readonly #tracked = new Map<string, { end(): void }>();
  readonly #host: () => TaskHost;
  readonly #abort: (id: string, reason: unknown) => void;

  constructor(host: () => TaskHost, abort: (id: string, reason: unknown) => void) {
    this.#host = host;
    this.#abort = abort;
  }

  /** `named: false`: waited for, but not named among the abandoned (a durable task, kept in the store); `abort`: instead of cancelling. */
  begin(id: string, name: string, options: { named?: boolean; abort?: (reason: unknown) => void } = {}): void {
    if (this.#tracked.has(id)) return;
    const names = options.named === false ? [] : [name];
    const abort = options.abort ?? ((reason: unknown) => this.#abort(id, reason));
    this.#tracked.set(id, this.#host().track(() => names, abort));
  }

  end(id: string): void {
    this.#tracked.get(id)?.end();
    this.#tracked.delete(id);
  }
}
