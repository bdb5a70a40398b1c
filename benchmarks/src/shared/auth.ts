import { timingSafeEqual } from 'node:crypto';

/**
 * The bearer token of the post-items-auth scenario: every target that serves
 * POST /items-auth accepts `Authorization: Bearer <BENCH_TOKEN>` and answers
 * 401 to anything else. Not a secret: a fixed value the load generator sends.
 * 43 characters, the length of 32 random bytes in base64url, as an opaque API
 * token often is.
 */
export const BENCH_TOKEN = 'vJ3kQ9xR2mT7wZ4pL8nB5cF1hD6gS0yA-eU_iO2rK4t';

/** The Authorization header the scenario sends. */
export const BENCH_AUTHORIZATION = `Bearer ${BENCH_TOKEN}`;

const TOKEN_BYTES = Buffer.from(BENCH_TOKEN);

/**
 * The check raw and fastify make by hand, the same one fastts's HTTPBearer plus
 * compareSecret make: the Authorization header split at its first space, the
 * scheme `bearer` in any case, the credentials trimmed and compared in
 * constant time. `missing`: no header, another scheme or an empty token (401
 * `Not authenticated`); `invalid`: a wrong token (401 `Invalid token`).
 * timingSafeEqual needs equal lengths, so a token of another length is refused
 * before it, which tells a client the length (compareSecret hashes both sides
 * instead, and does not).
 */
export function checkBearer(authorization: string | undefined): 'ok' | 'missing' | 'invalid' {
  if (!authorization) return 'missing';
  const space = authorization.indexOf(' ');
  if (space < 0 || authorization.slice(0, space).toLowerCase() !== 'bearer') return 'missing';
  const token = authorization.slice(space + 1).trim();
  if (token === '') return 'missing';
  const bytes = Buffer.from(token);
  return bytes.length === TOKEN_BYTES.length && timingSafeEqual(bytes, TOKEN_BYTES) ? 'ok' : 'invalid';
}

/** The 401 bodies, as fastts (and FastAPI) word them. */
export const UNAUTHORIZED = { missing: { detail: 'Not authenticated' }, invalid: { detail: 'Invalid token' } } as const;
