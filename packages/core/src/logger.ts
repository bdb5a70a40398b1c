import type * as Pino from 'pino';
import { lazy } from './internal/lazy.js';

const pinoModule = lazy<typeof Pino>('pino');
const prettyModule = lazy<(options: object) => NodeJS.WritableStream>('pino-pretty');

/** What fastts logs through; a pino logger fits, and so does a test double. */
export interface Logger {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  /** pino's: a logger that adds `bindings` to every line (`request.log`, task loggers). */
  child?(bindings: object): Logger;
  /** pino's: whether a line at `level` would be written; the access line is compiled in only when `info` is. */
  isLevelEnabled?(level: string): boolean;
}

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/**
 * pino at LOG_LEVEL (default `info`): JSON lines on stdout, or pino-pretty's
 * coloured lines in development (see `prettyByDefault`).
 */
export function defaultLogger(): Logger {
  const level = process.env['LOG_LEVEL'] ?? 'info';
  const pretty = prettyByDefault();
  return levelGatedLogger(level, () => {
    const options = { name: 'fastts', level };
    // In the main thread, synchronously: no worker thread per app in development, and
    // lines stay in order with console.log's. pino-pretty is loaded only here.
    return pretty ? pinoModule().pino(options, prettyModule()(PRETTY)) : pinoModule().pino(options);
  });
}

/**
 * One line per entry, fields as JSON after the message. An access line's
 * own fields (pipeline/access-log.ts) are left out, its message says them;
 * its requestId stays, to find the request's other lines.
 */
const hideOnAccessLine = (value: unknown, _key: string, line: Record<string, unknown>) => ('durationMs' in line ? undefined : value);
const PRETTY = {
  sync: true,
  singleLine: true,
  ignore: 'pid,hostname',
  customPrettifiers: Object.fromEntries(['method', 'path', 'status', 'durationMs', 'client', 'bytes', 'aborted'].map((key) => [key, hideOnAccessLine])),
};

/**
 * Pretty lines when a person reads them: stdout is a terminal and NODE_ENV
 * is not `production`. FASTTS_LOG_PRETTY=1 or 0 decides instead (JSON into a
 * terminal, pretty into a pipe).
 */
export function prettyByDefault(env: NodeJS.ProcessEnv = process.env, tty = process.stdout.isTTY === true): boolean {
  const forced = env['FASTTS_LOG_PRETTY'];
  if (forced === '1' || forced === 'true') return true;
  if (forced === '0' || forced === 'false') return false;
  return tty && env['NODE_ENV'] !== 'production';
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
    isLevelEnabled: (name) => threshold <= (LEVELS[name] ?? 0),
    // Gated like its parent; pino's child is made with the first line written.
    child: (bindings) => levelGatedLogger(level, () => childLogger(get(), bindings)),
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

export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {}, child: () => silentLogger, isLevelEnabled: () => false };

/** `logger.child(bindings)` when it has one (pino), else a logger that adds the bindings to each line. */
export function childLogger(logger: Logger, bindings: object): Logger {
  if (typeof logger.child === 'function') return logger.child(bindings);
  const at = (level: 'error' | 'warn' | 'info' | 'debug') => (obj: object, msg?: string) => logger[level]({ ...bindings, ...obj }, msg);
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), child: (more) => childLogger(logger, { ...bindings, ...more }) };
}

/** Whether `logger` writes `info` lines; a logger that cannot say is taken to. */
export function infoEnabled(logger: Logger): boolean {
  return typeof logger.isLevelEnabled === 'function' ? logger.isLevelEnabled('info') : true;
}
