import { TaskSetupError } from './errors.js';

/** How long to wait before the next attempt of a failed task. */
export interface BackoffOptions {
  /** `fixed`: always `delayMs`; `exponential`: `delayMs`, then twice that, four times… Default exponential. */
  type: 'fixed' | 'exponential';
  /** Delay after the first failed attempt. Default 1000. */
  delayMs: number;
  /** Upper bound of any delay. Default 60 000. */
  maxDelayMs: number;
  /**
   * Spread retries of many tasks that failed together ("equal jitter":
   * a delay `d` becomes a random value in [d/2, d]). Default true.
   */
  jitter: boolean;
}

export const defaultBackoff: BackoffOptions = { type: 'exponential', delayMs: 1000, maxDelayMs: 60_000, jitter: true };

/**
 * The delay before attempt `failedAttempt + 1`, `failedAttempt` counting from 1.
 * `random` is injectable so tests pin the jitter.
 */
export function backoffDelay(options: BackoffOptions, failedAttempt: number, random: () => number = Math.random): number {
  const base = options.type === 'fixed' ? options.delayMs : options.delayMs * 2 ** (failedAttempt - 1);
  const capped = Math.min(base, options.maxDelayMs);
  // Equal jitter keeps at least half the delay, so a retry storm still backs off
  // (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
  return options.jitter ? capped / 2 + random() * (capped / 2) : capped;
}

/** Fills in defaults and refuses nonsense (negative or non-finite delays); `task` names the task in errors. */
export function resolveBackoff(partial: Partial<BackoffOptions> | undefined, task = '?'): BackoffOptions {
  const resolved = { ...defaultBackoff, ...partial };
  if (resolved.type !== 'fixed' && resolved.type !== 'exponential') throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', `task '${task}'`, 'backoff.type', "'fixed' or 'exponential'", resolved.type);
  for (const key of ['delayMs', 'maxDelayMs'] as const) {
    if (typeof resolved[key] !== 'number' || !Number.isFinite(resolved[key]) || resolved[key] < 0) {
      throw new TaskSetupError('FASTTS_ERR_TASK_OPTION', `task '${task}'`, `backoff.${key}`, 'a finite number >= 0', resolved[key]);
    }
  }
  return resolved;
}
