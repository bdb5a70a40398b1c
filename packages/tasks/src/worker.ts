import { bareApp, type App } from './core-seam.js';
import { TaskSetupError } from './errors.js';
import type { TaskRuntime } from './runtime.js';
import type { TaskSpec } from './spec.js';

export interface WorkerOptions {
  /** The runtime whose tasks this process runs. Its backend must be durable: the file (or server) the HTTP process enqueues into. */
  runtime: TaskRuntime;
  /** Definitions to register now, besides those the runtime knows already: the same ones the HTTP process uses. */
  definitions?: readonly TaskSpec[];
  /**
   * The app hosting the runtime: its logger, dependency overrides and
   * `shutdownTimeoutMs`. Default: the app the runtime is attached to, else a
   * bare `new App()` that never listens.
   */
  app?: App;
  /** How long a stop waits for running tasks before handing them back to the store. Default: the app's `shutdownTimeoutMs` (10 s). */
  drainTimeoutMs?: number;
  /** Stop on SIGTERM and SIGINT, then exit the process (code 1 when tasks were abandoned). Default true; false in tests or when you handle signals. */
  handleSignals?: boolean;
}

export interface RunningWorker {
  readonly runtime: TaskRuntime;
  readonly app: App;
  /**
   * Stops claiming tasks, waits up to `drainTimeoutMs` for running ones, and
   * closes the runtime: tasks still queued stay in the store for the next
   * worker, tasks still running at the deadline are handed back to it.
   * Calling it again while it drains waits for the same stop; a shorter
   * `drainTimeoutMs` given then brings the deadline forward.
   */
  close(options?: { drainTimeoutMs?: number }): Promise<{ abandoned: string[] }>;
}

/**
 * Runs a runtime's tasks in this process, apart from the HTTP server: one or
 * several workers on one machine share the store, each with the same
 * definitions, task-scoped dependencies (`inject`, `currentTask()`) and
 * worker-thread offload as in the server. The HTTP process enqueues with
 * `new TaskRuntime({ backend, work: false })`. On SIGTERM or SIGINT it drains
 * as `serve()` does: running tasks get the deadline, a second signal ends it
 * at once, a third exits without waiting.
 *
 * @example
 * ```ts
 * const runtime = new TaskRuntime({ backend: sqliteBackend({ path: 'tasks.db' }) });
 * await runWorker({ runtime, definitions: [sendWelcome, buildReport] });
 * ```
 */
export async function runWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { runtime, definitions = [] } = options;
  const backend = runtime.backend;
  // A memory backend's tasks live in the process that enqueued them: this one would wait forever.
  if (!backend.durable) throw new TaskSetupError('FASTTS_ERR_TASK_WORKER_NOT_DURABLE', backend.kind);
  if (definitions.length === 0 && runtime.queues.length === 0) throw new TaskSetupError('FASTTS_ERR_TASK_WORKER_NO_TASKS');
  // It would start, log its queues and run nothing.
  if (!runtime.works) throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', 'runWorker', 'runtime', 'a runtime that runs tasks (not `work: false`)', 'work: false');
  const app = options.app ?? runtime.app ?? bareApp();
  // Attached before anything is registered: registering starts the queues, and a
  // task claimed then needs the app's logger and scopes.
  runtime.attach(app);
  runtime.register(...definitions);
  const queues = runtime.queues;

  const stopOnSignal = options.handleSignals !== false;
  let closing: Promise<{ abandoned: string[] }> | undefined;
  const close = (closeOptions: { drainTimeoutMs?: number } = {}): Promise<{ abandoned: string[] }> => {
    const drainTimeoutMs = closeOptions.drainTimeoutMs ?? options.drainTimeoutMs;
    // The app's close drains the runtime with the rest of the app's work; a second call shortens its deadline.
    const closed = app.close(drainTimeoutMs === undefined ? {} : { drainTimeoutMs });
    closing ??= closed.finally(() => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    });
    return closing;
  };
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      app.logger.info({ signal }, 'worker stopping');
      void close().then(({ abandoned }) => process.exit(abandoned.length > 0 ? 1 : 0));
    } else if (signals === 2) {
      app.logger.warn({ signal }, 'second signal: ending the drain now');
      void close({ drainTimeoutMs: 0 });
    } else {
      app.logger.error({ signal }, 'third signal: exiting without waiting');
      process.exit(1);
    }
  };
  if (stopOnSignal) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  app.logger.info({ queues, backend: backend.kind, ...location(backend) }, 'worker started');
  return { runtime, app, close };
}

/** Where the store is, for the start line, when the backend says (the SQLite backend's `path`). */
function location(backend: object): { path?: string } {
  const path = (backend as { path?: unknown }).path;
  return typeof path === 'string' ? { path } : {};
}
