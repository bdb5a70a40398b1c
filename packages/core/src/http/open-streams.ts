import type { App } from '../app.js';

/**
 * The event streams an app has open. Its drain ends them all, as
 * sse-starlette ends its streams once uvicorn starts shutting down: clients
 * reconnect elsewhere at once, and `close()` does not wait for streams that
 * would only end at its deadline. A stream costs an add and a delete.
 */
export class OpenStreams {
  readonly #stops = new Set<() => void>();
  #draining = false;

  /** Keeps `stop` until `delete()`; calls it at once while the app drains. */
  add(stop: () => void): void {
    if (this.#draining) stop();
    else this.#stops.add(stop);
  }

  delete(stop: () => void): void {
    this.#stops.delete(stop);
  }

  /** The drain began: stops every open stream, and each that opens until `reopen()`. */
  drain(): void {
    this.#draining = true;
    for (const stop of this.#stops) stop();
    this.#stops.clear();
  }

  /** The drain is over: a closed app can serve again (test clients reuse apps). */
  reopen(): void {
    this.#draining = false;
  }
}

// Weak, as the app's Request class: an app can be collected once nothing else holds it.
const byApp = new WeakMap<App, OpenStreams>();

/** The app's open streams, made on first use. */
export function openStreams(app: App): OpenStreams {
  let streams = byApp.get(app);
  if (streams === undefined) byApp.set(app, (streams = new OpenStreams()));
  return streams;
}
