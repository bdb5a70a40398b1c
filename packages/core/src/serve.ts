import type { App } from './app.js';
import { FastTsError } from './errors/codes.js';
import { silentLogger } from './logger.js';

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
 * silently. A third exits without waiting for anything. The app's lifespan
 * starts before it listens; when the start fails, the error is logged and the
 * process exits with code 1 without listening.
 *
 * @example
 * ```ts
 * await serve(new App().include(ItemsController));
 * ```
 */
export async function serve(app: App, options: ServeOptions = {}): Promise<void> {
  const port = options.port ?? Number(process.env['PORT'] ?? 8000);
  const host = options.host ?? process.env['HOST'] ?? '127.0.0.1';
  let address;
  try {
    address = await app.listen(port, host);
  } catch (err) {
    if (!(err instanceof FastTsError && err.code === 'FASTTS_ERR_STARTUP_FAILED')) throw err;
    // A process that cannot do its start-up work must not look healthy: say why and go.
    app.logger.error({ err, code: err.code }, 'the app failed to start');
    if (app.logger === silentLogger) process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
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
