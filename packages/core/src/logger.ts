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

/** pino at LOG_LEVEL (default `info`), JSON lines on stdout. */
export function defaultLogger(): Logger {
  // Created on the first log line, so an app that never logs never loads pino.
  let logger: Logger | undefined;
  const get = () => (logger ??= pinoModule().pino({ name: 'fastts', level: process.env['LOG_LEVEL'] ?? 'info' }));
  return {
    error: (obj, msg) => get().error(obj, msg),
    warn: (obj, msg) => get().warn(obj, msg),
    info: (obj, msg) => get().info(obj, msg),
    debug: (obj, msg) => get().debug(obj, msg),
  };
}

export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };
