import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether two secrets (API keys, passwords, tokens) are equal, in time that
 * does not depend on where they differ or on their lengths: both are hashed
 * with SHA-256 and the digests compared with `timingSafeEqual`. Use it
 * instead of `===` when checking what a client sent against a stored secret.
 *
 * @example
 * ```ts
 * if (!compareSecret(credentials.password, ADMIN_PASSWORD)) throw new HTTPException(401, 'Incorrect username or password', { 'WWW-Authenticate': 'Basic' });
 * ```
 */
export function compareSecret(a: string | Uint8Array, b: string | Uint8Array): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

function digest(secret: string | Uint8Array): Buffer {
  return createHash('sha256').update(secret).digest();
}
