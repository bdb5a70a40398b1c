import { PlainTextResponse, type HeaderValue, type Response } from '../http/response.js';
import { acceptsSyncNext, type Middleware } from './chain.js';
import { varyAdder } from './vary.js';

const addVaryOrigin = varyAdder('Origin');

export interface CorsOptions {
  /** Origins allowed to make cross-origin requests, such as `https://app.example.com`; `['*']` for any. Default: none. */
  allowOrigins?: readonly string[];
  /** A pattern an allowed origin matches as a whole (Python's `fullmatch`), such as `https://.*\.example\.org`. */
  allowOriginRegex?: string | RegExp;
  /** Let browsers send cookies and credentials (`Access-Control-Allow-Credentials: true`). Default false. */
  allowCredentials?: boolean;
  /** Methods allowed in cross-origin requests; `['*']` for all. Default `['GET']`. */
  allowMethods?: readonly string[];
  /** Request headers allowed beyond the CORS-safelisted ones; `['*']` for any. Default: none. */
  allowHeaders?: readonly string[];
  /** Response headers the browser may show to the page. Default: none. */
  exposeHeaders?: readonly string[];
  /** How long, in seconds, a browser may cache a preflight answer. Default 600. */
  maxAge?: number;
}

const ALL_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];
const SAFELISTED_HEADERS = ['Accept', 'Accept-Language', 'Content-Language', 'Content-Type'];

/**
 * Starlette's CORSMiddleware (FastAPI's), with its defaults and behaviour. A
 * preflight (OPTIONS with `Access-Control-Request-Method`) is answered here
 * with 200, or 400 naming what is disallowed; other requests with an
 * `Origin` go on, and their response, error responses included, gets
 * `Access-Control-Allow-Origin` (the origin itself and `Vary: Origin`, unless
 * any origin is allowed and the request has no cookie) with the credentials
 * and exposed headers. Unlike Starlette, a 500 carries them too: an error
 * reaches middleware as the exception handlers' response.
 *
 * @example
 * ```ts
 * app.use(cors({ allowOrigins: ['https://app.example.com'], allowCredentials: true, allowMethods: ['*'], allowHeaders: ['*'] }));
 * ```
 */
export function cors(options: CorsOptions = {}): Middleware {
  const allowOrigins = options.allowOrigins ?? [];
  const allowMethods = (options.allowMethods ?? ['GET']).includes('*') ? ALL_METHODS : [...(options.allowMethods ?? ['GET'])];
  const allowHeadersOption = options.allowHeaders ?? [];
  const allowCredentials = options.allowCredentials ?? false;
  const exposeHeaders = options.exposeHeaders ?? [];
  const maxAge = options.maxAge ?? 600;
  const regex = originPattern(options.allowOriginRegex);
  const allowAllOrigins = allowOrigins.includes('*');
  const allowAllHeaders = allowHeadersOption.includes('*');
  const explicitOriginOnPreflight = !allowAllOrigins || allowCredentials;

  const simpleHeaders: Record<string, string> = {};
  if (allowAllOrigins) simpleHeaders['access-control-allow-origin'] = '*';
  if (allowCredentials) simpleHeaders['access-control-allow-credentials'] = 'true';
  if (exposeHeaders.length > 0) simpleHeaders['access-control-expose-headers'] = exposeHeaders.join(', ');

  const preflightHeaders: Record<string, string> = {};
  // The allowed origin itself is set per request, so caches must key on it.
  if (explicitOriginOnPreflight) preflightHeaders['vary'] = 'Origin';
  else preflightHeaders['access-control-allow-origin'] = '*';
  preflightHeaders['access-control-allow-methods'] = allowMethods.join(', ');
  preflightHeaders['access-control-max-age'] = String(maxAge);
  const allowHeaders = [...new Set([...SAFELISTED_HEADERS, ...allowHeadersOption])].sort();
  if (!allowAllHeaders) preflightHeaders['access-control-allow-headers'] = allowHeaders.join(', ');
  if (allowCredentials) preflightHeaders['access-control-allow-credentials'] = 'true';
  const allowedHeaderNames = new Set(allowHeaders.map((name) => name.toLowerCase()));
  const allowedOrigins = new Set(allowOrigins);

  const isAllowedOrigin = (origin: string): boolean => allowAllOrigins || (regex !== undefined && regex.test(origin)) || allowedOrigins.has(origin);

  const preflight = (origin: string, method: string, requested: string | undefined): Response => {
    const headers: Record<string, string> = { ...preflightHeaders };
    const failures: string[] = [];
    if (isAllowedOrigin(origin)) {
      if (explicitOriginOnPreflight) headers['access-control-allow-origin'] = origin;
    } else failures.push('origin');
    if (!allowMethods.includes(method)) failures.push('method');
    if (allowAllHeaders && requested !== undefined) headers['access-control-allow-headers'] = requested;
    else if (requested !== undefined && requested.split(',').some((name) => !allowedHeaderNames.has(name.trim().toLowerCase()))) failures.push('headers');
    if (failures.length > 0) return new PlainTextResponse(`Disallowed CORS ${failures.join(', ')}`, { status: 400, headers });
    return new PlainTextResponse('OK', { status: 200, headers });
  };

  const decorate = (response: Response, origin: string, hasCookie: boolean): Response => {
    Object.assign(response.headers, simpleHeaders);
    // With cookies a browser refuses `*`: mirror the origin. With a list, mirror it only when allowed.
    if (allowAllOrigins ? hasCookie : isAllowedOrigin(origin)) {
      response.headers['access-control-allow-origin'] = origin;
      addVaryOrigin(response.headers);
    }
    return response;
  };

  return acceptsSyncNext(function cors(request, next) {
    const headers = request.raw.headers;
    const origin = headers.origin;
    if (origin === undefined) return next();
    const requestedMethod = headers['access-control-request-method'];
    if (request.method === 'OPTIONS' && requestedMethod !== undefined) return preflight(origin, requestedMethod, headers['access-control-request-headers']);
    const hasCookie = headers.cookie !== undefined;
    const response = next() as Response | Promise<Response>;
    return response instanceof Promise ? response.then((out) => decorate(out, origin, hasCookie)) : decorate(response, origin, hasCookie);
  });
}

/** A whole-string match, as Python's `re.fullmatch`. */
function originPattern(pattern: string | RegExp | undefined): RegExp | undefined {
  if (pattern === undefined) return undefined;
  const source = typeof pattern === 'string' ? pattern : pattern.source;
  const flags = typeof pattern === 'string' ? '' : pattern.flags.replace(/[gy]/g, '');
  return new RegExp(`^(?:${source})$`, flags);
}

