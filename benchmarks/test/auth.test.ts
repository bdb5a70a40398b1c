import { describe, expect, it } from 'vitest';
import { BENCH_TOKEN, checkBearer } from '../src/shared/auth.js';

// The check raw and fastify make by hand must refuse what fastts's HTTPBearer
// and compareSecret refuse, and accept what they accept.
describe('checkBearer', () => {
  it('accepts the token with the scheme in any case, the token trimmed', () => {
    expect(checkBearer(`Bearer ${BENCH_TOKEN}`)).toBe('ok');
    expect(checkBearer(`bEaReR ${BENCH_TOKEN}`)).toBe('ok');
    expect(checkBearer(`Bearer  ${BENCH_TOKEN} `)).toBe('ok');
  });

  it('answers missing without a header, without a token or with another scheme', () => {
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Bearer    ', BENCH_TOKEN, `Basic ${BENCH_TOKEN}`, `Token ${BENCH_TOKEN}`]) {
      expect(checkBearer(header), JSON.stringify(header)).toBe('missing');
    }
  });

  it('answers invalid for a wrong token, of the same length or not', () => {
    const sameLength = `${BENCH_TOKEN.slice(0, -1)}${BENCH_TOKEN.endsWith('x') ? 'y' : 'x'}`;
    for (const token of [sameLength, `${BENCH_TOKEN}x`, BENCH_TOKEN.slice(1), 'é'.repeat(BENCH_TOKEN.length)]) {
      expect(checkBearer(`Bearer ${token}`), token).toBe('invalid');
    }
  });
});
