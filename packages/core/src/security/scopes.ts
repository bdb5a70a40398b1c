/**
 * The OAuth2 scopes required by every `Security(dep, { scopes })` above the
 * dependency that asks for it, merged down the dependency tree (FastAPI's
 * `SecurityScopes`). Injected by type, like Request: declare a parameter
 * typed `SecurityScopes`, or list the class in `dependency([...], fn)`.
 *
 * @example
 * ```ts
 * const currentUser = dependency([SecurityScopes, Depends(oauth2Scheme)], (scopes, token) => {
 *   const user = decode(token);
 *   for (const scope of scopes.scopes) {
 *     if (!user.scopes.includes(scope)) {
 *       throw new HTTPException(401, 'Not enough permissions', { 'WWW-Authenticate': `Bearer scope="${scopes.scopeStr}"` });
 *     }
 *   }
 *   return user;
 * });
 * ```
 */
export class SecurityScopes {
  /** Each scope once, outermost `Security()` first. */
  readonly scopes: readonly string[];
  /** The scopes separated by spaces, as OAuth2 writes them (FastAPI's `scope_str`). */
  readonly scopeStr: string;

  constructor(scopes: readonly string[] = []) {
    this.scopes = Object.freeze([...scopes]);
    this.scopeStr = this.scopes.join(' ');
    Object.freeze(this);
  }
}

/** `parent` then each of `own` not already in it: FastAPI's `_get_oauth_scopes` order. */
export function mergeScopes(parent: readonly string[], own: readonly string[]): readonly string[] {
  if (own.length === 0) return parent;
  const out = [...parent];
  for (const scope of own) if (!out.includes(scope)) out.push(scope);
  return out;
}
