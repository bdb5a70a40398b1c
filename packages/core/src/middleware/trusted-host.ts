import type { Request } from '../http/request.js';
import { PlainTextResponse, RedirectResponse, type Response } from '../http/response.js';
import { acceptsSyncNext, guardsHandshakes, type Middleware } from './chain.js';

export interface TrustedHostOptions {
  /** Host names allowed in the `Host` header (port ignored): exact (`example.com`), a wildcard for subdomains (`*.example.com`), or `'*'` for any. Default `['*']`. */
  allowedHosts?: readonly string[];
  /** Redirect `example.com` to `www.example.com` when only the latter is allowed. Default true. */
  wwwRedirect?: boolean;
}

/**
 * Starlette's TrustedHostMiddleware: a request whose `Host` header names no
 * allowed host gets 400 `Invalid host header`, before routing, so no route,
 * redirect or absolute URL is ever built from a host the app does not serve
 * (Host header injection). `*.example.com` matches the subdomains of
 * example.com, not example.com itself. A WebSocket handshake is checked
 * the same way, and refused with the same 400.
 *
 * @example
 * ```ts
 * app.use(trustedHost({ allowedHosts: ['example.com', '*.example.com'] }));
 * ```
 */
export function trustedHost(options: TrustedHostOptions = {}): Middleware {
  const patterns = (options.allowedHosts ?? ['*']).map((host) => host.toLowerCase());
  for (const pattern of patterns) {
    if (pattern !== '*' && pattern.includes('*') && !(pattern.startsWith('*.') && !pattern.slice(1).includes('*'))) {
      throw new TypeError(`trustedHost: '${pattern}' is not a host pattern ('example.com', '*.example.com' or '*')`);
    }
  }
  const wwwRedirect = options.wwwRedirect ?? true;
  // Any host: nothing to check, and no guard for handshakes either.
  if (patterns.includes('*')) {
    return acceptsSyncNext(function trustedHost(_request, next) {
      return next();
    });
  }
  /** The refusal for a host not allowed, undefined for an allowed one; a www redirect keeps `scheme` (http(s) or ws(s)). */
  const refusal = (request: Request, scheme: string): Response | undefined => {
    const header = request.headers.host ?? '';
    const host = hostName(header);
    let www = false;
    for (const pattern of patterns) {
      if (host === pattern || (pattern.startsWith('*.') && host.endsWith(pattern.slice(1)))) return undefined;
      if (`www.${host}` === pattern) www = true;
    }
    if (www && wwwRedirect) return new RedirectResponse(`${scheme}://www.${header}${request.app?.rootPath ?? ''}${request.raw.url ?? '/'}`);
    return new PlainTextResponse('Invalid host header', { status: 400 });
  };
  const middleware = acceptsSyncNext(function trustedHost(request, next) {
    return refusal(request, request.scheme) ?? next();
  });
  // Starlette checks websocket scopes too, and builds a www redirect's URL from the scope: ws: or wss:.
  return guardsHandshakes(middleware, (request) => refusal(request, request.scheme === 'https' ? 'wss' : 'ws'));
}

/** The host name of a `Host` header, without its port; an IPv6 literal keeps its brackets. */
function hostName(header: string): string {
  const lower = header.toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  const colon = lower.indexOf(':');
  return colon < 0 ? lower : lower.slice(0, colon);
}
