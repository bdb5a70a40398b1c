import type { App } from './app.js';
import { FastTsError } from './errors/codes.js';
import { silentLogger, type Logger } from './logger.js';

export interface ServeOptions {
  /** Default: the PORT environment variable, else 8000. */
  port?: number;
  /** Default: the HOST environment variable, else 127.0.0.1. */
  host?: string;
  /**
   * Processes serving the app on the one port (node:cluster; see
   * docs/deployment.md). Default: the WEB_CONCURRENCY environment variable,
   * read as uvicorn reads it, else 1.
   */
  workers?: number;
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
 * With `workers` above 1 (or WEB_CONCURRENCY), this process forks that many
 * workers, each running the same entry and serving on the same port, and
 * supervises them: it forwards the signals and replaces a worker that crashes.
 *
 * @example
 * ```ts
 * await serve(new App().include(ItemsController));
 * ```
 */
export async function serve(app: App, options: ServeOptions = {}): Promise<void> {
  const workers = workerCount(options.workers);
  // One process, the common case: node:cluster and the supervisor are not even loaded.
  if (workers === 1) {
    await serveProcess(app, options, app.logger, true);
    return;
  }
  const { serveWorkers } = await import('./cluster.js');
  await serveWorkers(app.logger, workers, (logger) => serveProcess(app, options, logger, false));
}

/**
 * How many processes to run: `workers` if given, else WEB_CONCURRENCY as
 * uvicorn reads it (when set, it must be a whole number; below 1 means 1).
 */
export function workerCount(workers: number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  if (workers === undefined) {
    const text = env['WEB_CONCURRENCY'];
    if (text === undefined) return 1;
    // uvicorn calls int() on it, so an empty or non-numeric value is an error, not a silent 1.
    if (!/^\s*[+-]?\d+\s*$/.test(text)) throw new FastTsError('FASTTS_ERR_WORKERS', 'WEB_CONCURRENCY', JSON.stringify(text));
    workers = Number(text);
  } else if (!Number.isInteger(workers)) {
    throw new FastTsError('FASTTS_ERR_WORKERS', 'workers', String(workers));
  }
  return Math.max(1, workers);
}

/** Where a process is in its shutdown: 1 drains, 2 ends the drain now, 3 exits. */
export interface Shutdown {
  /** Takes the shutdown to `step` (never back); `signal` is the one that asked, for the log. */
  reach(step: number, signal: NodeJS.Signals): void;
}

/**
 * Listens and drains on signals: what one process does, alone or as a
 * worker. A worker's own signals only start its drain (`countSignals`
 * false): a terminal's Ctrl-C or systemd's stop reaches the primary and its
 * workers at once, so the primary alone counts signals and sends the later
 * steps.
 */
export async function serveProcess(app: App, options: ServeOptions, logger: Logger, countSignals: boolean): Promise<Shutdown> {
  const port = options.port ?? Number(process.env['PORT'] ?? 8000);
  const host = options.host ?? process.env['HOST'] ?? '127.0.0.1';
  let address;
  try {
    address = await app.listen(port, host);
  } catch (err) {
    if (!(err instanceof FastTsError && err.code === 'FASTTS_ERR_STARTUP_FAILED')) throw err;
    // A process that cannot do its start-up work must not look healthy: say why and go.
    logger.error({ err, code: err.code }, 'the app failed to start');
    if (app.logger === silentLogger) process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  logger.info({ url: `http://${address.address}:${address.port}` }, 'listening');
  const shutdown = signalledShutdown(app, logger);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => shutdown.reach(countSignals ? ++signals : 1, signal);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return shutdown;
}

function signalledShutdown(app: App, logger: Logger): Shutdown {
  let reached = 0;
  const steps = [
    (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down');
      void app.close().then(({ abandoned }) => process.exit(abandoned.length > 0 ? 1 : 0));
    },
    (signal: NodeJS.Signals) => {
      logger.warn({ signal }, 'second signal: ending the drain now');
      // Brings the drain's deadline forward: close() names what it abandons, then the process exits.
      void app.close({ drainTimeoutMs: 0 });
    },
    (signal: NodeJS.Signals) => {
      logger.error({ signal }, 'third signal: exiting without waiting');
      process.exit(1);
    },
  ];
  return {
    reach(step, signal) {
      while (reached < Math.min(step, steps.length)) steps[reached++]!(signal);
    },
  };
}

