import { describe, expect, it } from 'vitest';
import { childLogger, levelGatedLogger, prettyByDefault, silentLogger, type Logger } from './logger.js';

function recording() {
  const lines: string[] = [];
  let created = 0;
  const create = (): Logger => {
    created++;
    return {
      error: (_o, msg) => void lines.push(`error ${msg}`),
      warn: (_o, msg) => void lines.push(`warn ${msg}`),
      info: (_o, msg) => void lines.push(`info ${msg}`),
      debug: (_o, msg) => void lines.push(`debug ${msg}`),
    };
  };
  return { lines, create, created: () => created };
}

describe('the default logger', () => {
  it('creates pino only with the first line written at its level', () => {
    const r = recording();
    const logger = levelGatedLogger('warn', r.create);
    logger.info({}, 'listening');
    logger.debug({}, 'detail');
    expect(r.created()).toBe(0);
    logger.warn({}, 'careful');
    logger.error({}, 'broken');
    expect(r.created()).toBe(1);
    expect(r.lines).toEqual(['warn careful', 'error broken']);
  });

  it('writes info at the default level, nothing at silent, and leaves unknown levels to pino', () => {
    const info = recording();
    levelGatedLogger('info', info.create).info({}, 'listening');
    expect(info.lines).toEqual(['info listening']);
    const silent = recording();
    levelGatedLogger('silent', silent.create).error({}, 'x');
    expect(silent.created()).toBe(0);
    const unknown = recording();
    levelGatedLogger('loud', unknown.create).debug({}, 'x');
    expect(unknown.created()).toBe(1);
  });
});

describe('child loggers and levels', () => {
  it('says which levels it writes, without creating pino', () => {
    const r = recording();
    const logger = levelGatedLogger('warn', r.create);
    expect([logger.isLevelEnabled!('info'), logger.isLevelEnabled!('warn'), logger.isLevelEnabled!('error')]).toEqual([false, true, true]);
    expect(silentLogger.isLevelEnabled!('error')).toBe(false);
    expect(r.created()).toBe(0);
  });

  it('makes a child gated like its parent, created with its first line', () => {
    const r = recording();
    const child = levelGatedLogger('warn', r.create).child!({ requestId: 'r1' });
    child.info({}, 'dropped');
    expect(r.created()).toBe(0);
    child.warn({}, 'kept');
    expect(r.lines).toEqual(['warn kept']);
  });

  it('adds the bindings to each line of a logger without child()', () => {
    const seen: object[] = [];
    const plain: Logger = { error() {}, warn() {}, info: (obj) => void seen.push(obj), debug() {} };
    const child = childLogger(childLogger(plain, { requestId: 'r1' }), { task: 't' });
    child.info({ step: 1 }, 'x');
    expect(seen).toEqual([{ requestId: 'r1', task: 't', step: 1 }]);
  });
});

describe('prettyByDefault', () => {
  it('is pretty on a terminal outside production, JSON otherwise, and FASTTS_LOG_PRETTY decides when set', () => {
    expect(prettyByDefault({}, true)).toBe(true);
    expect(prettyByDefault({ NODE_ENV: 'development' }, true)).toBe(true);
    expect(prettyByDefault({ NODE_ENV: 'production' }, true)).toBe(false);
    expect(prettyByDefault({}, false)).toBe(false);
    expect(prettyByDefault({ FASTTS_LOG_PRETTY: '1', NODE_ENV: 'production' }, false)).toBe(true);
    expect(prettyByDefault({ FASTTS_LOG_PRETTY: '0' }, true)).toBe(false);
  });
});
