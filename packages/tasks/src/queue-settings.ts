import type { QueueBound } from './admission.js';
import { TaskSetupError } from './errors.js';
import type { QueueOptions, TaskRuntimeOptions } from './runtime-options.js';

/** Each queue's concurrency and bound, from the runtime's options and the defaults; checked once, at construction. */
export class QueueSettings {
  readonly #queues: Record<string, Partial<QueueOptions>>;
  readonly #concurrency: number;

  constructor(options: TaskRuntimeOptions) {
    this.#queues = options.queues ?? {};
    this.#concurrency = options.concurrency ?? 10;
    check('the task runtime', 'concurrency', this.#concurrency, 1);
    for (const [queue, settings] of Object.entries(this.#queues)) {
      for (const key of ['concurrency', 'maxQueued'] as const) check(`queue '${queue}'`, key, settings[key], 1);
      check(`queue '${queue}'`, 'retryAfterSeconds', settings.retryAfterSeconds, 0);
    }
  }

  concurrency(queue: string): number {
    return this.#queues[queue]?.concurrency ?? this.#concurrency;
  }

  /** Default 10 000 waiting tasks (about 23 MB at the 2.3 kB per queued task measured in issue 15: 3.3 GB for 1.41 M), Retry-After 1 s. */
  bound(queue: string): QueueBound {
    const settings = this.#queues[queue];
    return { maxQueued: settings?.maxQueued ?? 10_000, retryAfterSeconds: settings?.retryAfterSeconds ?? 1 };
  }
}

function check(subject: string, key: string, value: number | undefined, min: number): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min)) throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', subject, key, `an integer >= ${min}`, value);
}
