import type * as Pino from 'pino';
import { lazy } from './internal/lazy.js';

const pinoModule = lazy<typeof Pino>('pino');

/** What fastts logs through; a pino logger fits, and so does a test double. */
export interface Logger {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/** pino at LOG_LEVEL (default `info`), JSON lines on stdout. */
export function defaultLogger(): Logger {
  const level = process.env['LOG_LEVEL'] ?? 'info';
  return levelGatedLogger(level, () => pinoModule().pino({ name: 'fastts', level }));
}

/**
 * A logger created with the first line actually written at `level`. pino is
 * about 8 MB of resident memory with its dependencies: an app running at
 * LOG_LEVEL=warn loads it on its first warning, not on its first info line.
 * An unknown level is left to the created logger, which refuses it.
 */
export function levelGatedLogger(level: string, create: () => Logger): Logger {
  const threshold = LEVELS[level] ?? 0;
  let logger: Logger | undefined;
  const get = () => (logger ??= create());
  return {
    error(obj, msg) {
      if (threshold <= 50) get().error(obj, msg);
    },
    warn(obj, msg) {
      if (threshold <= 40) get().warn(obj, msg);
    },
    info(obj, msg) {
      if (threshold <= 30) get().info(obj, msg);
    },
    debug(obj, msg) {
      if (threshold <= 20) get().debug(obj, msg);
    },
  };
}

export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };
