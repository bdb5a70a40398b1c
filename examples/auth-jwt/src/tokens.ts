import { SignJWT, errors, jwtVerify } from 'jose';

/** HMAC with SHA-256: one shared secret signs and checks. Pinned when checking, so a token cannot pick `none` or another algorithm. */
const ALGORITHM = 'HS256';

/** What an access token says: who it is for (`sub`) and what it allows (`scope`, space-separated as OAuth2 writes scopes). */
export interface AccessClaims {
  username: string;
  scopes: string[];
}

/** A signed JWT carrying `sub`, `scope`, `iat` and `exp`, valid for `expiresInMinutes`. */
export async function createAccessToken(claims: AccessClaims, secret: string, expiresInMinutes: number): Promise<string> {
  return new SignJWT({ scope: claims.scopes.join(' ') })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(claims.username)
    .setIssuedAt()
    .setExpirationTime(`${expiresInMinutes} minutes`)
    .sign(keyOf(secret));
}

/**
 * The claims of a token this app signed and that has not expired, or
 * undefined: not a JWT, another algorithm, a bad signature, expired, no
 * `exp` or `sub`, or a `scope` that is not text. Why it failed stays here;
 * the client gets one answer for all of them.
 */
export async function readAccessToken(token: string, secret: string): Promise<AccessClaims | undefined> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, keyOf(secret), { algorithms: [ALGORITHM], requiredClaims: ['exp', 'sub'] }));
  } catch (error) {
    // Only jose's verdicts on the token mean "invalid"; anything else is a bug and a 500.
    if (error instanceof errors.JOSEError) return undefined;
    throw error;
  }
  const scope = payload['scope'] ?? '';
  if (typeof payload.sub !== 'string' || typeof scope !== 'string') return undefined;
  return { username: payload.sub, scopes: scope.split(' ').filter((s) => s !== '') };
}

function keyOf(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}
