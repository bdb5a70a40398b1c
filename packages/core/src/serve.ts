import type { App } from './app.js';

export interface ServeOptions {
  /** Default: the PORT environment variable, else 8000. */
  port?: number;
  /** Default: the HOST environment variable, else 127.0.0.1. */
  host?: string;
}

/**
 * Starts `app` the way the examples run: on PORT (default 8000), logging the
 * address, and draining on SIGINT/SIGTERM before the process exits (code 1
 * when tasks had to be abandoned). A second signal during the drain ends it
 * at once: the tasks still pending are named in the log, never dropped
 * silently. A third exits without waiting for anything.
 *
 * @example
 * ```ts
 * await serve(new App().include(ItemsController));
 * ```
 */
export async function serve(app: App, options: ServeOptions = {}): Promise<void> {
  const port = options.port ?? Number(process.env['PORT'] ?? 8000);
  const host = options.host ?? process.env['HOST'] ?? '127.0.0.1';
  const address = await app.listen(port, host);
  app.logger.info({ url: `http://${address.address}:${address.port}` }, 'listening');
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      app.logger.info({ signal }, 'shutting down');
      void app.close().then(({ abandoned }) => process.exit(abandoned.length > 0 ? 1 : 0));
    } else if (signals === 2) {
      app.logger.warn({ signal }, 'second signal: ending the drain now');
      // Brings the drain's deadline forward: close() names what it abandons, then the process exits.
      void app.close({ drainTimeoutMs: 0 });
    } else {
      app.logger.error({ signal }, 'third signal: exiting without waiting');
      process.exit(1);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
