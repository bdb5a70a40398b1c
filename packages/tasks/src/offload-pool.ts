import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { Json } from './args.js';
import { TaskSetupError } from './errors.js';

export interface OffloadOptions {
  /** Worker threads at most. Default: one less than the cores (at least 1), so the event loop keeps a core. */
  maxThreads?: number;
  /** Threads kept alive while idle. Default 0: the pool costs nothing until a task is offloaded. */
  minThreads?: number;
  /** How long an idle thread above `minThreads` lives, in ms. Default 30 000. */
  idleTimeoutMs?: number;
}

/** Where an offloaded task's code lives, for a worker thread to import. */
export interface OffloadTarget {
  /** A file URL (`new URL('./jobs/resize.js', import.meta.url)`) of an ES module a worker can load: JavaScript, not TypeScript source. */
  readonly module: string;
  /** The exported function to call. */
  readonly exportName: string;
}

// Plain JavaScript beside src/ and dist/ alike, so the worker loads it with or without a build.
const workerFile = new URL('../worker/run-export.mjs', import.meta.url).href;

/**
 * A piscina pool of worker threads, created on the first offloaded task.
 * Aborting a task's signal terminates the thread running it, so timeouts and
 * cancels stop CPU-bound code, which the event loop cannot do.
 */
export class OffloadPool {
  readonly maxThreads: number;
  readonly #options: Required<OffloadOptions>;
  #pool: Piscina | undefined;

  constructor(options: OffloadOptions = {}) {
    const maxThreads = options.maxThreads ?? Math.max(1, availableParallelism() - 1);
    this.#options = { maxThreads, minThreads: Math.min(options.minThreads ?? 0, maxThreads), idleTimeoutMs: options.idleTimeoutMs ?? 30_000 };
    this.maxThreads = maxThreads;
  }

  /** Runs the attempt of task `task` on a worker thread; rejects with the signal's reason once it aborts. */
  async runTask(task: string, target: OffloadTarget, args: Json[], signal: AbortSignal): Promise<unknown> {
    // Refused here, not at defineTask: the same definition runs inline under vitest.
    if (/\.[mc]?ts$/.test(target.module)) throw new TaskSetupError('FASTTS_ERR_TASK_OFFLOAD_TYPESCRIPT', task, target.module);
    try {
      return await this.run(target, args, signal);
    } catch (error) {
      // Piscina rejects with its own AbortError; the signal's reason says why (timeout or cancel).
      throw signal.aborted ? signal.reason : error;
    }
  }

  /** Calls the target on a worker thread with `args`; aborting `signal` terminates the thread. */
  async run(target: OffloadTarget, args: Json[], signal: AbortSignal): Promise<unknown> {
    this.#pool ??= new Piscina({
      filename: workerFile,
      maxThreads: this.#options.maxThreads,
      minThreads: this.#options.minThreads,
      idleTimeout: this.#options.idleTimeoutMs,
    });
    const answer = (await this.#pool.run({ module: target.module, exportName: target.exportName, args }, { signal })) as { value?: unknown; noExport?: true };
    if (answer.noExport) throw new TaskSetupError('FASTTS_ERR_TASK_NO_EXPORT', target.module, target.exportName);
    return answer.value;
  }

  /** Threads alive now. */
  get threads(): number {
    return this.#pool?.threads.length ?? 0;
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.destroy();
  }
}
