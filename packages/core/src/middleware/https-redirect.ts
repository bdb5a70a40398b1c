import { RedirectResponse } from '../http/response.js';
import { acceptsSyncNext, type Middleware } from './chain.js';

/**
 * Starlette's HTTPSRedirectMiddleware: a request that came in over plain
 * http is answered with a 307 to the same URL over https (same host, path
 * and query; a port 80 or 443 dropped, any other kept, as Starlette does),
 * before routing. The scheme is `request.url`'s, so behind a proxy that ends
 * TLS, set the app's `trustProxy` so that its `X-Forwarded-Proto: https`
 * counts, or every request is redirected again.
 *
 * @example
 * ```ts
 * const app = new App({ trustProxy: 'loopback' }).use(httpsRedirect());
 * ```
 */
export function httpsRedirect(): Middleware {
  return acceptsSyncNext(function httpsRedirect(request, next) {
    const url = request.url;
    if (url.protocol !== 'http:') return next();
    const target = new URL(url.href);
    // The URL standard already dropped a port 80 (http's default) and drops a 443 as https's: Starlette's rule.
    target.protocol = 'https:';
    return new RedirectResponse(target.href, 307);
  });
}
