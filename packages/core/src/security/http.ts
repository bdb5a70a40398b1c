import { dependency } from '../di/depends.js';
import { Request } from '../http/request.js';
import { authorizationParts, named, notAuthenticated, schemeObject, type Credential, type SchemeOptions } from './authorization.js';
import { securityScheme } from './scheme.js';

/** What `HTTPBearer` and `HTTPDigest` give: the Authorization header split at its first space. */
export interface HTTPAuthorizationCredentials {
  /** As sent: `Bearer`, `bearer`, `Digest`, ... */
  scheme: string;
  credentials: string;
}

/** What `HTTPBasic` gives. */
export interface HTTPBasicCredentials {
  username: string;
  password: string;
}

export interface HTTPBearerOptions extends SchemeOptions {
  /** A hint for /docs, e.g. `JWT`. */
  bearerFormat?: string;
}

export interface HTTPBasicOptions extends SchemeOptions {
  /** Sent in the challenge: `WWW-Authenticate: Basic realm="<realm>"`. */
  realm?: string;
}

/**
 * HTTP Bearer authentication (FastAPI's `HTTPBearer`): `Authorization: Bearer
 * <token>`, the scheme in any case. Missing, empty or another scheme: 401
 * `Not authenticated` with `WWW-Authenticate: Bearer`, or null with
 * `autoError: false`.
 *
 * @example
 * ```ts
 * const bearer = HTTPBearer();
 * @Get('/me') me(@Depends(bearer) credentials: HTTPAuthorizationCredentials) { return credentials.credentials; }
 * ```
 */
export function HTTPBearer<const O extends HTTPBearerOptions = {}>(options?: O): (request: Request) => Credential<HTTPAuthorizationCredentials, O> {
  const autoError = options?.autoError ?? true;
  const read = dependency([Request], (request: Request) => {
    const [scheme, credentials] = authorizationParts(request);
    if (scheme.toLowerCase() !== 'bearer' || credentials === '') {
      if (autoError) throw notAuthenticated('Bearer');
      return null;
    }
    return { scheme, credentials };
  });
  const extra = options?.bearerFormat === undefined ? {} : { bearerFormat: options.bearerFormat };
  const info = { name: options?.schemeName ?? 'HTTPBearer', openapi: schemeObject('http', options?.description, { scheme: 'bearer', ...extra }) };
  return securityScheme(info, named('HTTPBearer', read)) as never;
}

/**
 * HTTP Digest authentication (FastAPI's `HTTPDigest`, RFC 7616), read only:
 * `Authorization: Digest <credentials>` split at its first space, the
 * scheme in any case. Checking the response against the nonce and the
 * password is the app's job, as in FastAPI. Missing, empty or another
 * scheme: 401 `Not authenticated` with `WWW-Authenticate: Digest`, or null
 * with `autoError: false`.
 *
 * @example
 * ```ts
 * const digest = HTTPDigest();
 * @Get('/me') me(@Depends(digest) credentials: HTTPAuthorizationCredentials) { return checkDigest(credentials.credentials); }
 * ```
 */
export function HTTPDigest<const O extends SchemeOptions = {}>(options?: O): (request: Request) => Credential<HTTPAuthorizationCredentials, O> {
  const autoError = options?.autoError ?? true;
  const read = dependency([Request], (request: Request) => {
    const [scheme, credentials] = authorizationParts(request);
    if (scheme.toLowerCase() !== 'digest' || credentials === '') {
      // FastAPI's bare challenge; the app's own 401 after a failed check carries realm and nonce (RFC 7616 section 3.3).
      if (autoError) throw notAuthenticated('Digest');
      return null;
    }
    return { scheme, credentials };
  });
  const info = { name: options?.schemeName ?? 'HTTPDigest', openapi: schemeObject('http', options?.description, { scheme: 'digest' }) };
  return securityScheme(info, named('HTTPDigest', read)) as never;
}

/**
 * HTTP Basic authentication (FastAPI's `HTTPBasic`, RFC 7617): the username
 * and password of `Authorization: Basic <base64 of user:password>`, decoded
 * as UTF-8. Missing or another scheme: 401 `Not authenticated` with
 * `WWW-Authenticate: Basic` (and the realm when given), or null with
 * `autoError: false`. Credentials that are not base64, not UTF-8 or have no
 * colon are the same 401 whatever `autoError` says.
 * Compare the password with `compareSecret`.
 *
 * @example
 * ```ts
 * const basic = HTTPBasic({ realm: 'admin' });
 * @Get('/admin') admin(@Depends(basic) user: HTTPBasicCredentials) { ... }
 * ```
 */
export function HTTPBasic<const O extends HTTPBasicOptions = {}>(options?: O): (request: Request) => Credential<HTTPBasicCredentials, O> {
  const autoError = options?.autoError ?? true;
  const challenge = options?.realm ? `Basic realm="${options.realm}"` : 'Basic';
  const read = dependency([Request], (request: Request) => {
    const [scheme, param] = authorizationParts(request);
    if (scheme.toLowerCase() !== 'basic') {
      if (autoError) throw notAuthenticated(challenge);
      return null;
    }
    const decoded = decodeBasic(param);
    // FastAPI answers as for missing credentials, whatever autoError says.
    if (decoded === undefined) throw notAuthenticated(challenge);
    return decoded;
  });
  const info = { name: options?.schemeName ?? 'HTTPBasic', openapi: schemeObject('http', options?.description, { scheme: 'basic' }) };
  return securityScheme(info, named('HTTPBasic', read)) as never;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `user:password` from base64; undefined when it is not strict base64, not UTF-8, or has no colon. */
function decodeBasic(param: string): HTTPBasicCredentials | undefined {
  // Buffer.from(..., 'base64') skips what it cannot read; Python's b64decode refuses bad padding.
  if (!BASE64.test(param)) return undefined;
  let text: string;
  try {
    text = utf8.decode(Buffer.from(param, 'base64'));
  } catch {
    return undefined;
  }
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}
