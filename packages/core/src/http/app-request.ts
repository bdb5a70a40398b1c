import type { App } from '../app.js';
import { Request } from './request.js';

/**
 * The Request class an app's pipeline builds: Request with `app` on its
 * prototype, made once per app, so `request.app` costs the hot path nothing
 * (no argument, no field written per request).
 */
export function requestClassFor(app: App): typeof Request {
  const existing = classes.get(app);
  if (existing) return existing;
  class AppRequest extends Request {}
  Object.defineProperty(AppRequest.prototype, 'app', { value: app, enumerable: false });
  classes.set(app, AppRequest);
  return AppRequest;
}

// Weak: an app (and its class) can be collected once nothing else holds it.
const classes = new WeakMap<App, typeof Request>();
