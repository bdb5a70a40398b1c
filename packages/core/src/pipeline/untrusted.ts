import { types } from 'node:util';
import { FastTsError } from '../errors/codes.js';

/**
 * The one place where a thrown value is checked before fastts touches it.
 * Anything can be thrown: a revoked Proxy (every property access throws), an
 * object whose `message` or `stack` getter throws (the logger reads both), a
 * thenable that never settles (an async function returning it, or `await`,
 * would wait on it forever). Such a value is replaced by a FastTsError that
 * says what it was; anything else is returned as it is.
 */
export function safeError(thrown: unknown): unknown {
  if (thrown === null || (typeof thrown !== 'object' && typeof thrown !== 'function')) return thrown;
  // Before anything else: `instanceof` on a revoked Proxy throws.
  if (types.isProxy(thrown)) return new FastTsError('FASTTS_ERR_THROWN_VALUE', 'a Proxy');
  if (thrown instanceof FastTsError) return thrown;
  try {
    const { message, stack, name } = thrown as Partial<Error>;
    void message, stack, name;
    if (typeof (thrown as { then?: unknown }).then === 'function') return new FastTsError('FASTTS_ERR_THROWN_VALUE', 'a thenable');
  } catch {
    return new FastTsError('FASTTS_ERR_THROWN_VALUE', 'a value whose properties throw when read');
  }
  return thrown;
}
