import { HTTPException } from '../errors/http-exception.js';
import type { Request } from '../http/request.js';

/**
 * The Authorization header split at its first space, the credentials
 * trimmed (FastAPI's `get_authorization_scheme_param`); `['', '']` without
 * one. Node keeps the first of repeated Authorization headers and drops the
 * others, as Starlette's `headers.get` reads the first.
 */
export function authorizationParts(request: Request): [scheme: string, credentials: string] {
  const value = request.headers.authorization;
  if (!value) return ['', ''];
  const space = value.indexOf(' ');
  if (space < 0) return [value, ''];
  return [value.slice(0, space), value.slice(space + 1).trim()];
}

/** FastAPI 0.122's answer to missing or unusable credentials: 401 with the scheme's challenge (RFC 9110 section 11.6.1). */
export function notAuthenticated(challenge: string): HTTPException {
  return new HTTPException(401, 'Not authenticated', { 'WWW-Authenticate': challenge });
}

/** What every scheme accepts. */
export interface SchemeOptions {
  /** The key in the OpenAPI document's `components.securitySchemes`; default the scheme's kind, e.g. `HTTPBearer` (FastAPI's `scheme_name`). */
  schemeName?: string;
  /** Shown in /docs. */
  description?: string;
  /** Default true: missing credentials end the request with 401. False: the dependency gives `null` instead (optional authentication). */
  autoError?: boolean;
}

/** A scheme's value type: with `autoError: false`, also null. */
export type Credential<T, O> = O extends { autoError: false } ? T | null : T;

/** Names a dependency function after its scheme, for error messages and logs. */
export function named<F extends Function>(name: string, fn: F): F {
  return Object.defineProperty(fn, 'name', { value: name });
}

/** The Security Scheme Object's common head, in FastAPI's key order: type, then description when given. */
export function schemeObject(type: string, description: string | undefined, rest: Record<string, unknown>): Record<string, unknown> {
  return description === undefined ? { type, ...rest } : { type, description, ...rest };
}
