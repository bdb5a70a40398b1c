/**
 * @module
 * Security dependencies, as FastAPI's `fastapi.security`: each scheme is a
 * dependency function that reads credentials from the request, answers 401
 * with a `WWW-Authenticate` challenge when they are missing (or gives null
 * with `autoError: false`), and is listed in the OpenAPI document's
 * `components.securitySchemes` and in the `security` of every operation that
 * depends on it. `Security(dep, { scopes })` and `SecurityScopes` carry OAuth2
 * scopes down the dependency tree.
 */
export { Security, type SecurityOptions } from '../di/depends.js';
export { SecurityScopes } from './scopes.js';
export { securityScheme, securitySchemeOf, type SecuritySchemeInfo } from './scheme.js';
export { describeSecurity, type SecurityRequirement } from './describe.js';
export type { SchemeOptions, Credential } from './authorization.js';
export {
  OAuth2PasswordBearer,
  OAuth2AuthorizationCodeBearer,
  OAuth2PasswordRequestForm,
  OAuth2PasswordRequestFormStrict,
  type OAuth2PasswordBearerOptions,
  type OAuth2AuthorizationCodeBearerOptions,
} from './oauth2.js';
export { HTTPBearer, HTTPDigest, HTTPBasic, type HTTPAuthorizationCredentials, type HTTPBasicCredentials, type HTTPBearerOptions, type HTTPBasicOptions } from './http.js';
export { APIKeyHeader, APIKeyQuery, APIKeyCookie, type APIKeyOptions } from './api-key.js';
export { OpenIdConnect, type OpenIdConnectOptions } from './open-id-connect.js';
export { compareSecret, secretMatcher } from './compare-secret.js';
