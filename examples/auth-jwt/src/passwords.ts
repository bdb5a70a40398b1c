import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with node:crypto's scrypt (RFC 7914), in place of the
 * tutorial's pwdlib/passlib. A stored hash carries everything needed to check
 * a password later, so the cost can be raised for new hashes without breaking
 * old ones: `scrypt$ln=15,r=8,p=3$<salt>$<key>`, salt and key in base64url.
 */

/** One of the settings OWASP's password storage cheat sheet lists as equivalent: N=2^15, r=8, p=3 (32 MiB of memory). */
const COST = { ln: 15, r: 8, p: 3 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;
const FORMAT = /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([\w-]+)\$([\w-]+)$/;

/** A new salted hash of `password`, to store instead of the password. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, KEY_BYTES, COST);
  return `scrypt$ln=${COST.ln},r=${COST.r},p=${COST.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Whether `password` is the one `stored` was made from; the keys are compared in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = FORMAT.exec(stored);
  // A hash we cannot read is a bug in the user store, not a wrong password: fail loudly.
  if (!parts) throw new Error('verifyPassword: the stored hash is not in the scrypt$ln=..,r=..,p=..$salt$key format');
  const [, ln, r, p, salt, key] = parts;
  const expected = Buffer.from(key!, 'base64url');
  const actual = await derive(password, Buffer.from(salt!, 'base64url'), expected.length, { ln: Number(ln), r: Number(r), p: Number(p) });
  return timingSafeEqual(actual, expected);
}

/** scrypt runs on libuv's thread pool, so the event loop keeps serving other requests meanwhile. */
function derive(password: string, salt: Buffer, length: number, cost: { ln: number; r: number; p: number }): Promise<Buffer> {
  const N = 2 ** cost.ln;
  // Node refuses to use more than 32 MiB unless told; scrypt needs 128 * N * r bytes.
  const options: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 2 * 128 * N * cost.r };
  // NFKC as NIST SP 800-63B (5.1.1.2) advises: the same password typed on another keyboard or OS matches.
  return new Promise((resolve, reject) => scrypt(password.normalize('NFKC'), salt, length, options, (err, key) => (err ? reject(err) : resolve(key))));
}
