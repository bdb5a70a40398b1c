/**
 * What OpenAPI needs to know about a security dependency: the name it is
 * listed under in `components.securitySchemes` and its Security Scheme
 * Object. Kept beside the dependency function, which stays a plain function
 * (usable in `Depends()`, `dependencies: [...]` and `dependencyOverrides`).
 */
export interface SecuritySchemeInfo {
  /** The key in `components.securitySchemes`: the scheme's kind (`OAuth2PasswordBearer`, ...) unless `schemeName` is given. */
  readonly name: string;
  /** The OpenAPI Security Scheme Object, e.g. `{ type: 'http', scheme: 'bearer' }`. */
  readonly openapi: Readonly<Record<string, unknown>>;
}

const schemes = new WeakMap<Function, SecuritySchemeInfo>();

/**
 * Marks a dependency function as a security scheme, so the OpenAPI document
 * lists it and every operation that depends on it: for a scheme of your own
 * (FastAPI's subclass of `SecurityBase`), e.g. a bearer token read from a
 * cookie. Returns the function unchanged.
 *
 * @example
 * ```ts
 * const cookieToken = securityScheme(
 *   { name: 'CookieToken', openapi: { type: 'apiKey', in: 'cookie', name: 'token' } },
 *   dependency([Cookie('token', { optional: true })], (token) => token ?? null),
 * );
 * ```
 */
export function securityScheme<F extends Function>(info: SecuritySchemeInfo, fn: F): F {
  schemes.set(fn, Object.freeze({ name: info.name, openapi: Object.freeze({ ...info.openapi }) }));
  return fn;
}

/** The scheme a dependency function was declared with, if it is one. */
export function securitySchemeOf(fn: Function): SecuritySchemeInfo | undefined {
  return schemes.get(fn);
}
