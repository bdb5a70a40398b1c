import { describe, expect, it } from 'vitest';
import { levelGatedLogger, type Logger } from './logger.js';

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
