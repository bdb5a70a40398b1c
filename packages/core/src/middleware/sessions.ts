import { Buffer } from 'node:buffer';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { serializeCookie, type CookieOptions } from '../http/cookies.js';
import type { Request } from '../http/request.js';
import type { HeaderValue, Response } from '../http/response.js';
import { kSession, type Session, type SessionSlot, type WithSession } from '../http/session.js';
import { FastTsError } from '../errors/codes.js';
import { acceptsSyncNext, guardsHandshakes, type Middleware } from './chain.js';
import { varyAdder } from './vary.js';

const addVaryCookie = varyAdder('Cookie');

export interface SessionOptions {
  /** The key the cookie is signed with: at least 32 bytes, kept out of the code (`openssl rand -hex 32`). Required. */
  secret: string;
  /** The cookie's name. Default `session`. */
  cookieName?: string;
  /** Seconds a session lives after its last change: the cookie's `Max-Age` and the oldest signature accepted. `null`: a browser-session cookie, signatures of any age. Default 14 days. */
  maxAgeSeconds?: number | null;
  /** The cookie's `Path`. Default `/`. */
  path?: string;
  /** The cookie's `SameSite`. Default `lax`; `none` needs `httpsOnly`. */
  sameSite?: 'lax' | 'strict' | 'none';
  /** Mark the cookie `Secure`: browsers send it over https only. Default false. */
  httpsOnly?: boolean;
  /** The cookie's `Domain`. Default none: this host only. */
  domain?: string;
}

const FOURTEEN_DAYS = 14 * 24 * 60 * 60;
/** An HMAC-SHA256 key shorter than its 32-byte output weakens it (RFC 2104 §3). */
const MIN_SECRET_BYTES = 32;
/** What browsers keep of a cookie's name and value (RFC 6265 §6.1; Chrome and Firefox drop a longer one, and keep the old cookie). */
const MAX_COOKIE_BYTES = 4096;
/** A signature's length: 32 bytes of HMAC-SHA256 in base64url. */
const SIGNATURE_CHARS = 43;

/**
 * Starlette's SessionMiddleware: `request.session` is a plain object kept in
 * a signed cookie, with its defaults (`session`, 14 days, `Path=/`,
 * `HttpOnly`, `SameSite=lax`). The cookie is the base64url JSON, the time
 * it was signed and an HMAC-SHA256 of both; a cookie whose signature is wrong
 * or older than `maxAgeSeconds` gives an empty session, never an error. The
 * cookie is verified only when the session is read, and written only when
 * the session changed (cleared when it became empty). A WebSocket reads the
 * session of its handshake as `ws.session`, read-only.
 *
 * @example
 * ```ts
 * app.use(sessions({ secret: process.env['SESSION_SECRET']! }));
 * ```
 */
export function sessions(options: SessionOptions): Middleware {
  const codec = new SessionCodec(options);
  const middleware = acceptsSyncNext(function sessions(request, next) {
    const slot = new RequestSession(codec, request, false);
    (request as WithSession)[kSession] = slot;
    const response = next() as Response | Promise<Response>;
    return response instanceof Promise ? response.then((out) => slot.commit(out)) : slot.commit(response);
  });
  // Starlette gives websocket scopes a session too; a handshake has no response to carry a changed one, so it is read-only here.
  return guardsHandshakes(middleware, (request) => {
    (request as WithSession)[kSession] = new RequestSession(codec, request, true);
    return undefined;
  });
}

/** The cookie's format and attributes, checked once when the middleware is made. */
class SessionCodec {
  readonly name: string;
  readonly #maxAge: number | null;
  readonly #key: Buffer;
  readonly #attributes: CookieOptions;
  /** The whole `Set-Cookie` that ends a session. */
  readonly cleared: string;

  constructor(options: SessionOptions) {
    const { secret, cookieName = 'session', maxAgeSeconds = FOURTEEN_DAYS, path = '/', sameSite = 'lax', httpsOnly = false, domain } = options ?? ({} as SessionOptions);
    if (typeof secret !== 'string' || Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
      throw new FastTsError('FASTTS_ERR_SESSION_OPTION', `secret must be a string of at least ${MIN_SECRET_BYTES} bytes (openssl rand -hex 32), got ${typeof secret === 'string' ? `${Buffer.byteLength(secret)} bytes` : typeof secret}`);
    }
    if (maxAgeSeconds !== null && !(Number.isSafeInteger(maxAgeSeconds) && maxAgeSeconds > 0)) {
      throw new FastTsError('FASTTS_ERR_SESSION_OPTION', `maxAgeSeconds must be a whole number of seconds above 0, or null for a browser session, got ${String(maxAgeSeconds)}`);
    }
    if (sameSite !== 'lax' && sameSite !== 'strict' && sameSite !== 'none') throw new FastTsError('FASTTS_ERR_SESSION_OPTION', `sameSite must be 'lax', 'strict' or 'none', got ${String(sameSite)}`);
    // Browsers reject a SameSite=None cookie that is not Secure: every login would silently fail.
    if (sameSite === 'none' && !httpsOnly) throw new FastTsError('FASTTS_ERR_SESSION_OPTION', "sameSite: 'none' needs httpsOnly: true (browsers drop a SameSite=None cookie that is not Secure)");
    this.name = cookieName;
    this.#maxAge = maxAgeSeconds;
    // A key of its own, so the same secret used elsewhere (a JWT, another signer) never signs something a session accepts.
    this.#key = createHmac('sha256', secret).update('fastts.sessions').digest();
    this.#attributes = { path, domain, sameSite, secure: httpsOnly, httpOnly: true, ...(maxAgeSeconds !== null ? { maxAge: maxAgeSeconds } : {}) };
    try {
      this.cleared = serializeCookie(cookieName, '', { ...this.#attributes, maxAge: 0, expires: new Date(0) });
    } catch (err) {
      // The cookie package refuses a name, path or domain a Set-Cookie cannot carry.
      throw new FastTsError('FASTTS_ERR_SESSION_OPTION', (err as Error).message);
    }
  }

  /** The session's JSON from a cookie value, or undefined when its signature is wrong or out of date. */
  open(value: string): string | undefined {
    const last = value.lastIndexOf('.');
    if (last < 0 || value.length - last - 1 !== SIGNATURE_CHARS) return undefined;
    const signed = value.slice(0, last);
    const given = Buffer.from(value.slice(last + 1));
    // Same length in bytes (a non-ASCII character is longer), then compared in constant time.
    if (given.length !== SIGNATURE_CHARS || !timingSafeEqual(given, Buffer.from(this.#sign(signed)))) return undefined;
    const dot = signed.lastIndexOf('.');
    if (dot < 0) return undefined;
    const age = nowSeconds() - Number(signed.slice(dot + 1));
    // A signature from the future is refused too, as itsdangerous does.
    if (this.#maxAge !== null && !(age >= 0 && age <= this.#maxAge)) return undefined;
    return Buffer.from(signed.slice(0, dot), 'base64url').toString('utf8');
  }

  /** The `Set-Cookie` that stores `json`. */
  seal(json: string): string {
    const signed = `${Buffer.from(json).toString('base64url')}.${nowSeconds()}`;
    const value = `${signed}.${this.#sign(signed)}`;
    const size = Buffer.byteLength(this.name) + 1 + value.length;
    if (size > MAX_COOKIE_BYTES) {
      throw new FastTsError('FASTTS_ERR_SESSION_STORE', `it would be ${size} bytes, over the ${MAX_COOKIE_BYTES} a browser keeps (it would drop it and keep the old session); keep an id in the session and the data on the server`);
    }
    return serializeCookie(this.name, value, this.#attributes);
  }

  #sign(text: string): string {
    return createHmac('sha256', this.#key).update(text).digest('base64url');
  }
}

/** One request's session: the cookie opened on first read, and what the response needs afterwards. */
class RequestSession implements SessionSlot {
  readonly #codec: SessionCodec;
  readonly #request: Request;
  readonly #readOnly: boolean;
  /** Undefined until read: a request that never reads it pays no HMAC and sends nothing. */
  #data: Session | undefined;
  /** The JSON the cookie held, undefined when it held no valid session. */
  #initial: string | undefined;

  constructor(codec: SessionCodec, request: Request, readOnly: boolean) {
    this.#codec = codec;
    this.#request = request;
    this.#readOnly = readOnly;
  }

  get(): Session {
    return this.#data ?? this.#open();
  }

  set(value: Session): void {
    if (this.#readOnly) throw new TypeError("a WebSocket's session is read-only: the handshake has no response to carry a changed cookie");
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`request.session takes a plain object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
    this.#open();
    this.#data = value;
  }

  #open(): Session {
    let data: Session = {};
    const cookie = this.#request.cookies[this.#codec.name];
    const json = cookie === undefined ? undefined : this.#codec.open(cookie);
    if (json !== undefined) {
      try {
        const parsed: unknown = JSON.parse(json);
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
          data = parsed as Session;
          this.#initial = json;
        }
      } catch {
        // Signed by us, so never malformed unless the secret is shared with something else: an empty session, as for a bad signature.
      }
    }
    return (this.#data = this.#readOnly ? deepFreeze(data) : data);
  }

  /**
   * The response with what the session needs (Starlette's, since its PR
   * 3166): `Vary: Cookie` once read; the cookie when its JSON changed (a
   * change inside a value counts), a cleared cookie when a session became
   * empty. A cookie goes on a copy, so a Response instance returned by many
   * requests never carries one request's session to another.
   */
  commit(response: Response): Response {
    const data = this.#data;
    if (data === undefined) return response;
    let json: string | undefined;
    try {
      json = JSON.stringify(data) as string | undefined;
    } catch (err) {
      throw new FastTsError('FASTTS_ERR_SESSION_STORE', `it is not JSON: ${(err as Error).message}`);
    }
    if (json === undefined) throw new FastTsError('FASTTS_ERR_SESSION_STORE', 'it is not JSON');
    if (json === (this.#initial ?? '{}')) {
      addVaryCookie(response.headers);
      return response;
    }
    const cookie = json === '{}' ? this.#codec.cleared : this.#codec.seal(json);
    const headers = { ...response.headers };
    const existing = headers['set-cookie'];
    headers['set-cookie'] = existing === undefined ? cookie : [...[existing].flat(), cookie];
    addVaryCookie(headers);
    return Object.assign(Object.create(Object.getPrototypeOf(response) as object) as Response, response, { headers });
  }
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
