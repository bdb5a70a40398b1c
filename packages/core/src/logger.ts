import { pino } from 'pino';

/** What fastts logs through; a pino logger fits, and so does a test double. */
export interface Logger {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** pino at LOG_LEVEL (default `info`), JSON lines on stdout. */
export function defaultLogger(): Logger {
  return pino({ name: 'fastts', level: process.env['LOG_LEVEL'] ?? 'info' });
}

export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };
