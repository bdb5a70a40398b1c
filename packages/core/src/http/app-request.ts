import type { App } from '../app.js';
import type { PathParams, UrlPath } from '../router/reverse.js';
import type { Trust } from './proxy.js';
import { Request } from './request.js';

/**
 * The Request class an app's pipeline builds: Request with `app`, the
 * compiled `trustProxy`, `trustRequestId` and `urlFor`'s lookup on its prototype, made once per app, so `request.app` costs the hot path nothing
 * (no argument, no field written per request).
 */
export function requestClassFor(
  app: App,
  trustProxy: Trust | undefined,
  trustRequestId: Request['trustRequestId'] = true,
  urlPathFromRoot?: (name: string, params: PathParams) => UrlPath,
): typeof Request {
  let AppRequest = classes.get(app);
  if (AppRequest === undefined) {
    AppRequest = class AppRequest extends Request {};
    Object.defineProperty(AppRequest.prototype, 'app', { value: app, enumerable: false });
    classes.set(app, AppRequest);
  }
  // Rewritten at each compile: a mounted app learns its parent's setting once mounted.
  Object.defineProperty(AppRequest.prototype, 'trustProxy', { value: trustProxy, enumerable: false, configurable: true });
  Object.defineProperty(AppRequest.prototype, 'trustRequestId', { value: trustRequestId, enumerable: false, configurable: true });
  Object.defineProperty(AppRequest.prototype, 'urlPathFromRoot', { value: urlPathFromRoot, enumerable: false, configurable: true });
  return AppRequest;
}

// Weak: an app (and its class) can be collected once nothing else holds it.
const classes = new WeakMap<App, typeof Request>();
