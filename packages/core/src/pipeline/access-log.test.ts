import { describe, expect, it } from 'vitest';
import { levelGatedLogger, silentLogger, type Logger } from '../logger.js';
import { compileRequestStart } from './access-log.js';

const never = (): Logger => {
  throw new Error('the logger was created');
};

describe('compileRequestStart', () => {
  it('compiles nothing per request when the line and the header are off, or the line is gated by level', () => {
    expect(compileRequestStart(levelGatedLogger('warn', never), { requestIdHeader: false })).toBeUndefined();
    expect(compileRequestStart(silentLogger, { requestIdHeader: false })).toBeUndefined();
    expect(compileRequestStart(levelGatedLogger('info', never), { accessLog: false, requestIdHeader: false })).toBeUndefined();
    // The header follows the line by default: nothing at warn.
    expect(compileRequestStart(levelGatedLogger('warn', never), {})).toBeUndefined();
    // The header alone: the step that only sets it, so no listener and no clock.
    const echo = compileRequestStart(levelGatedLogger('warn', never), { requestIdHeader: true });
    expect(echo?.name).toBe('echoId');
  });

  it('compiles the line when the logger writes info lines', () => {
    expect(compileRequestStart(levelGatedLogger('info', never), { requestIdHeader: false })).toBeTypeOf('function');
    expect(compileRequestStart(levelGatedLogger('debug', never), {})?.name).not.toBe('echoId');
  });
});
