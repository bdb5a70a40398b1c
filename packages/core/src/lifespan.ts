import type { App } from './app.js';
import { FastTsError } from './errors/codes.js';
import type { Logger } from './logger.js';

/**
 * What `app.state` holds: empty until your code says otherwise, by
 * declaration merging, so that `request.app.state.db` is typed in every
 * handler and dependency without a type argument to pass around.
 *
 * @example
 * ```ts
 * declare module '@fastts/core' {
 *   interface AppState {
 *     db: Database;
 *   }
 * }
 * ```
 */
export interface AppState {}

/**
 * The app's start and stop as one async generator, as FastAPI's
 * `asynccontextmanager` lifespan: the code before `yield` runs before the
 * server accepts connections, the code after it once `close()` has drained.
 * An object yielded is merged into `app.state`.
 *
 * @example
 * ```ts
 * const app = new App({
 *   async *lifespan() {
 *     const db = await openDatabase();
 *     yield { db };
 *     await db.close();
 *   },
 * });
 * ```
 */
export type Lifespan = (app: App) => AsyncGenerator<Partial<AppState> | void, unknown, unknown>;

/**
 * Runs an app's lifespan and startup hooks: `start()` once until `stop()`,
 * whoever asks first (listen, a test client). Nothing here runs per request.
 */
export class LifespanRunner {
  readonly #startHooks: (() => unknown)[] = [];
  readonly #lifespan: Lifespan | undefined;
  #running: AsyncGenerator<unknown, unknown, unknown> | undefined;
  #started: Promise<void> | undefined;

  constructor(lifespan: Lifespan | undefined) {
    this.#lifespan = lifespan;
  }

  onStart(hook: () => unknown): void {
    this.#startHooks.push(hook);
  }

  /** Resolves once started; rejects with FASTTS_ERR_STARTUP_FAILED, after undoing what had started. */
  start(app: App, logger: Logger): Promise<void> {
    return (this.#started ??= this.#start(app, logger).catch((err: unknown) => {
      this.#started = undefined;
      throw err;
    }));
  }

  async #start(app: App, logger: Logger): Promise<void> {
    if (this.#lifespan) {
      const generator = this.#lifespan(app);
      let first: IteratorResult<unknown, unknown>;
      try {
        first = await generator.next();
      } catch (err) {
        throw startupFailed(err);
      }
      if (first.done) throw startupFailed(new Error('the lifespan returned without yielding'));
      if (first.value !== undefined && first.value !== null) Object.assign(app.state, first.value);
      this.#running = generator;
    }
    for (const hook of this.#startHooks) {
      try {
        await hook();
      } catch (err) {
        // The lifespan had started: let it stop, so a pool it opened is closed.
        await this.#stopLifespan(logger);
        throw startupFailed(err);
      }
    }
  }

  /** After the drain and the close hooks: the lifespan's code after its `yield`. Never throws. */
  async stop(logger: Logger): Promise<void> {
    const started = this.#started;
    if (!started) return;
    this.#started = undefined;
    // A close() that comes while the start runs waits for it, then stops what started.
    if (!(await started.then(() => true, () => false))) return;
    await this.#stopLifespan(logger);
  }

  async #stopLifespan(logger: Logger): Promise<void> {
    const generator = this.#running;
    this.#running = undefined;
    if (!generator) return;
    try {
      const next = await generator.next();
      if (!next.done) {
        logger.error({}, 'the lifespan yielded more than once; its code after the second yield does not run');
        await generator.return(undefined);
      }
    } catch (err) {
      logger.error({ err }, 'lifespan stop failed');
    }
  }
}

function startupFailed(cause: unknown): FastTsError {
  const message = cause instanceof Error ? cause.message : String(cause);
  const error = new FastTsError('FASTTS_ERR_STARTUP_FAILED', message);
  (error as { cause?: unknown }).cause = cause;
  return error;
}
