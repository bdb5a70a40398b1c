import type { TaskHost } from './core-seam.js';

/**
 * Registers each pending task of a memory backend with the app's background
 * tracker, so `backgroundIdle()` and `close({ drainTimeoutMs })` wait for it,
 * and at the deadline abort it (which cancels it in the backend) and name it.
 * A durable backend's tasks are not registered: they wait for the next process.
 */
export class DrainTracking {
  readonly #tracked = new Map<string, { end(): void }>();
  readonly #host: () => TaskHost;
  readonly #abort: (id: string, reason: unknown) => void;

  constructor(host: () => TaskHost, abort: (id: string, reason: unknown) => void) {
    this.#host = host;
    this.#abort = abort;
  }

  begin(id: string, name: string): void {
    if (this.#tracked.has(id)) return;
    this.#tracked.set(id, this.#host().track(() => [name], (reason) => this.#abort(id, reason)));
  }

  end(id: string): void {
    this.#tracked.get(id)?.end();
    this.#tracked.delete(id);
  }
}
