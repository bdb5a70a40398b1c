import type { Cluster, Worker } from 'node:cluster';
import { childLogger, type Logger } from './logger.js';
import type { Shutdown } from './serve.js';

// serve() with several workers, on node:cluster. The entry runs in the
// primary and in every worker; in the primary, serve() forks and supervises
// and never starts the app (no lifespan, no port), and in a worker it serves
// as one process would. Connections are shared out by the primary, round
// robin (cluster's default everywhere but Windows).

/** Consecutive failed starts after which a worker slot counts as unable to start. */
const START_FAILURES = 5;
/** A worker that crashes sooner than this after listening counts as a failed start. */
const STABLE_MS = 1_000;
/** The wait before replacing a worker after its `failures`-th failed start in a row: 0.1 s, doubling, at most 5 s. */
const restartDelayMs = (failures: number) => (failures === 0 ? 0 : Math.min(100 * 2 ** (failures - 1), 5_000));

/** What the primary sends its workers for a second and third signal (the first is the signal itself). */
interface ShutdownMessage {
  fastts: 'shutdown';
  step: number;
  signal: NodeJS.Signals;
}

const isShutdownMessage = (message: unknown): message is ShutdownMessage =>
  typeof message === 'object' && message !== null && (message as ShutdownMessage).fastts === 'shutdown';

/** Forks `count` workers when this is the primary; serves with `serveOne` when it is one of them. */
export async function serveWorkers(logger: Logger, count: number, serveOne: (logger: Logger) => Promise<Shutdown>): Promise<void> {
  const cluster = (await import('node:cluster')).default;
  if (cluster.isWorker) {
    const shutdown = await serveOne(childLogger(logger, { worker: process.pid }));
    process.on('message', (message) => {
      if (isShutdownMessage(message)) shutdown.reach(message.step, message.signal);
    });
    return;
  }
  new Supervisor(cluster, logger, count).start();
}

/** One of the `count` places a worker runs in, across the workers that replace each other there. */
interface Slot {
  worker?: Worker;
  listening: boolean;
  /** Failed starts in a row; reset once a worker has listened for STABLE_MS. */
  failures: number;
  /** Whether the current worker has listened for STABLE_MS. */
  stable: boolean;
  stableTimer?: NodeJS.Timeout;
  restart?: NodeJS.Timeout;
}

class Supervisor {
  readonly #cluster: Cluster;
  readonly #logger: Logger;
  readonly #slots: Slot[];
  #signals = 0;
  /** Workers that exited with an error after the shutdown began. */
  readonly #failed: number[] = [];

  constructor(cluster: Cluster, logger: Logger, count: number) {
    this.#cluster = cluster;
    this.#logger = logger;
    this.#slots = Array.from({ length: count }, () => ({ listening: false, failures: 0, stable: false }));
  }

  start(): void {
    this.#logger.info({ workers: this.#slots.length }, 'starting workers');
    for (const slot of this.#slots) this.#fork(slot);
    process.on('SIGINT', this.#onSignal);
    process.on('SIGTERM', this.#onSignal);
  }

  #fork(slot: Slot): void {
    slot.restart = undefined;
    const worker = this.#cluster.fork();
    slot.worker = worker;
    slot.listening = false;
    slot.stable = false;
    this.#logger.info({ worker: worker.process.pid }, 'worker started');
    worker.once('listening', () => {
      slot.listening = true;
      slot.stableTimer = setTimeout(() => {
        slot.stable = true;
        slot.failures = 0;
      }, STABLE_MS);
    });
    worker.once('exit', (code, signal) => this.#exited(slot, worker, code, signal as NodeJS.Signals | null));
  }

  #exited(slot: Slot, worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    clearTimeout(slot.stableTimer);
    const listened = slot.listening;
    slot.worker = undefined;
    slot.listening = false;
    const pid = worker.process.pid;
    if (this.#signals > 0) {
      // A worker still starting has no signal handler yet: the signal forwarded to it ends it, which is clean.
      if (code !== 0 && !(signal !== null && !listened)) this.#failed.push(pid!);
      this.#stopIfAllExited();
      return;
    }
    if (!slot.stable) slot.failures++;
    if (this.#slots.every((s) => s.failures >= START_FAILURES && !s.listening)) {
      this.#logger.error(
        { workers: this.#slots.length, startFailures: START_FAILURES, worker: pid, code, signal },
        `every worker failed to start ${START_FAILURES} times in a row; exiting`,
      );
      for (const s of this.#slots) clearTimeout(s.restart);
      process.exit(1);
    }
    const restartInMs = restartDelayMs(slot.failures);
    this.#logger.warn(
      { worker: pid, code, signal, startFailures: slot.failures, restartInMs },
      listened ? 'worker exited; replacing it' : 'worker failed to start; replacing it',
    );
    slot.restart = setTimeout(() => this.#fork(slot), restartInMs);
  }

  // An arrow function: registered with process.on as it is.
  readonly #onSignal = (signal: NodeJS.Signals): void => {
    const step = ++this.#signals;
    const live = this.#slots.flatMap((slot) => (slot.worker ? [slot.worker] : []));
    if (step === 1) {
      this.#logger.info({ signal, workers: live.map((worker) => worker.process.pid) }, 'shutting down');
      for (const slot of this.#slots) clearTimeout(slot.restart);
      // The signal itself, not a message: a worker still importing its entry has no listener for messages yet.
      for (const worker of live) worker.process.kill(signal);
      this.#stopIfAllExited();
      return;
    }
    if (step === 2) this.#logger.warn({ signal }, 'second signal: ending the drain now');
    else this.#logger.error({ signal }, 'third signal: exiting without waiting');
    const message: ShutdownMessage = { fastts: 'shutdown', step, signal };
    for (const worker of live) if (worker.isConnected()) worker.send(message, () => {});
    // A worker the message has not reached yet exits anyway: node's cluster ends a worker whose primary is gone.
    if (step >= 3) process.exit(1);
  };

  #stopIfAllExited(): void {
    if (this.#slots.some((slot) => slot.worker)) return;
    this.#logger.info({ failed: this.#failed }, 'workers stopped');
    process.exit(this.#failed.length > 0 ? 1 : 0);
  }
}
