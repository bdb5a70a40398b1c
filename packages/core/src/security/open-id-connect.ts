import { dependency } from '../di/depends.js';
import { Request } from '../http/request.js';
import { named, notAuthenticated, schemeObject, type Credential, type SchemeOptions } from './authorization.js';
import { securityScheme } from './scheme.js';

export interface OpenIdConnectOptions extends SchemeOptions {
  /** The provider's discovery document (`.../.well-known/openid-configuration`). */
  openIdConnectUrl: string;
}

/**
 * OpenID Connect (FastAPI's `OpenIdConnect`): documents the provider in
 * OpenAPI and gives the whole Authorization header, which the app checks
 * itself. Missing: 401 `Not authenticated` with `WWW-Authenticate: Bearer`,
 * or null with `autoError: false`.
 */
export function OpenIdConnect<const O extends OpenIdConnectOptions>(options: O): (request: Request) => Credential<string, O> {
  const autoError = options.autoError ?? true;
  const read = dependency([Request], (request: Request) => {
    const authorization = request.headers.authorization;
    if (!authorization) {
      if (autoError) throw notAuthenticated('Bearer');
      return null;
    }
    return authorization;
  });
  const info = { name: options.schemeName ?? 'OpenIdConnect', openapi: schemeObject('openIdConnect', options.description, { openIdConnectUrl: options.openIdConnectUrl }) };
  return securityScheme(info, named('OpenIdConnect', read)) as never;
}
