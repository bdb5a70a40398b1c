import type { Request } from '../http/request.js';
import { RedirectResponse } from '../http/response.js';
import { acceptsSyncNext, guardsHandshakes, type Middleware } from './chain.js';

/**
 * Starlette's HTTPSRedirectMiddleware: a request that came in over plain
 * http is answered with a 307 to the same URL over https (same host, path
 * and query; a port 80 or 443 dropped, any other kept, as Starlette does),
 * before routing. The scheme is `request.url`'s, so behind a proxy that ends
 * TLS, set the app's `trustProxy` so that its `X-Forwarded-Proto: https`
 * counts, or every request is redirected again. A `ws://` WebSocket
 * handshake gets the same 307, to `wss://`.
 *
 * @example
 * ```ts
 * const app = new App({ trustProxy: 'loopback' }).use(httpsRedirect());
 * ```
 */
export function httpsRedirect(): Middleware {
  const middleware = acceptsSyncNext(function httpsRedirect(request, next) {
    return redirect(request, 'https:') ?? next();
  });
  // Starlette redirects a websocket scope too, ws to wss, with the same 307.
  return guardsHandshakes(middleware, (request) => redirect(request, 'wss:'));
}

/** The 307 to `protocol` for a request that came over plain http (its scheme as `request.url` has it: trustProxy counts), else undefined. */
function redirect(request: Request, protocol: 'https:' | 'wss:'): RedirectResponse | undefined {
  const url = request.url;
  if (url.protocol !== 'http:') return undefined;
  const target = new URL(url.href);
  // The URL standard already dropped a port 80 (http's default) and drops a 443 as https's and wss's: Starlette's rule.
  target.protocol = protocol;
  return new RedirectResponse(target.href, 307);
}
