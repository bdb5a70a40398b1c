import { dependency } from '../di/depends.js';
import { Request } from '../http/request.js';
import { named, notAuthenticated, schemeObject, type Credential, type SchemeOptions } from './authorization.js';
import { securityScheme } from './scheme.js';

export interface APIKeyOptions extends SchemeOptions {
  /** The header, query parameter or cookie that carries the key. */
  name: string;
}

type Where = 'header' | 'query' | 'cookie';

/**
 * An API key in a request header (FastAPI's `APIKeyHeader`), the name in any
 * case. Missing or empty: 401 `Not authenticated` with `WWW-Authenticate:
 * APIKey`, or null with `autoError: false`. Check the key with `compareSecret`.
 *
 * @example
 * ```ts
 * const apiKey = APIKeyHeader({ name: 'X-API-Key' });
 * const checkKey = dependency([Depends(apiKey)], (key) => { if (!compareSecret(key, KEY)) throw new HTTPException(401, 'Invalid API key'); });
 * app.include(Admin, { dependencies: [Depends(checkKey)] });
 * ```
 */
export function APIKeyHeader<const O extends APIKeyOptions>(options: O): (request: Request) => Credential<string, O> {
  const key = options.name.toLowerCase();
  return apiKey('APIKeyHeader', 'header', options, (request) => {
    // Starlette's headers.get reads the first of repeated headers; node joins them with ', '.
    const distinct = request.raw.headersDistinct as Record<string, string[] | undefined> | undefined;
    const value = distinct ? distinct[key]?.[0] : request.headers[key];
    return Array.isArray(value) ? value[0] : value;
  });
}

/** An API key in a query parameter (FastAPI's `APIKeyQuery`); the last one when repeated, as Starlette reads it. */
export function APIKeyQuery<const O extends APIKeyOptions>(options: O): (request: Request) => Credential<string, O> {
  return apiKey('APIKeyQuery', 'query', options, (request) => {
    const value = request.query[options.name];
    return Array.isArray(value) ? value[value.length - 1] : value;
  });
}

/** An API key in a cookie (FastAPI's `APIKeyCookie`). */
export function APIKeyCookie<const O extends APIKeyOptions>(options: O): (request: Request) => Credential<string, O> {
  return apiKey('APIKeyCookie', 'cookie', options, (request) => request.cookies[options.name]);
}

function apiKey<T>(kind: string, where: Where, options: APIKeyOptions, read: (request: Request) => string | undefined): (request: Request) => T {
  const autoError = options.autoError ?? true;
  const check = dependency([Request], (request: Request) => {
    const key = read(request);
    if (!key) {
      if (autoError) throw notAuthenticated('APIKey');
      return null;
    }
    return key;
  });
  const info = { name: options.schemeName ?? kind, openapi: schemeObject('apiKey', options.description, { in: where, name: options.name }) };
  return securityScheme(info, named(kind, check)) as never;
}
