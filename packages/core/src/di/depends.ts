import { paramMarker, type ParamMarker } from '../decorators/params.js';
import type { BackgroundTasks } from '../background.js';
import type { Request } from '../http/request.js';
import type { Response } from '../http/response.js';
import { FastTsError } from '../errors/codes.js';
import type { SecurityScopes } from '../security/scopes.js';
import type { Session } from '../http/session.js';
import type { DependencySpecWithScopes } from './plan.js';

/** What a dependency function's parameter list may hold. */
export type Injectable = ParamMarker<any> | typeof Request | typeof Response | typeof BackgroundTasks | typeof SecurityScopes | typeof Session;

type ArgOf<S> = S extends ParamMarker<infer T> ? T : S extends abstract new (...args: any[]) => infer I ? I : never;
export type ArgsOf<S extends readonly unknown[]> = { -readonly [K in keyof S]: ArgOf<S[K]> };

/** The value a dependency provides: a class's instance, a function's (awaited) result, or a generator's yielded value. */
export type Provided<D> = D extends abstract new (...args: any[]) => infer I
  ? I
  : D extends (...args: any[]) => infer R
    ? R extends AsyncGenerator<infer Y, any, any>
      ? Y
      : R extends Generator<infer Y, any, any>
        ? Y
        : Awaited<R>
    : never;

const declared = new WeakMap<Function, readonly Injectable[]>();

/**
 * Declares what a dependency function's parameters are, since plain functions
 * cannot carry parameter decorators. The function is returned unchanged, so it
 * can still be called directly and used as a key in `dependencyOverrides`.
 *
 * A generator function is a dependency with cleanup (FastAPI's `yield`): the
 * code after `yield` runs after the response and its background tasks, and an
 * error from the handler is thrown in at the `yield`.
 *
 * @example
 * ```ts
 * const commonParameters = dependency(
 *   [Query('q', { optional: true }), Query('skip', { type: Int, default: 0 })],
 *   (q, skip) => ({ q, skip }),
 * );
 * const getDb = dependency([], async function* () {
 *   const db = await connect();
 *   try { yield db; } finally { await db.close(); }
 * });
 * ```
 */
export function dependency<const S extends readonly Injectable[], F extends (...args: ArgsOf<S>) => unknown>(params: S, fn: F): F {
  if (typeof fn !== 'function') throw new FastTsError('FASTTS_ERR_DEPENDENCY_NOT_CALLABLE', typeof fn);
  declared.set(fn, params);
  return fn;
}

export function declaredParams(fn: Function): readonly Injectable[] | undefined {
  return declared.get(fn);
}

export interface DependsOptions {
  /** Reuse the value already computed for this request (default true). */
  useCache?: boolean;
}

/**
 * A parameter whose value comes from a dependency: a class (constructed with
 * its own decorated constructor parameters), a function declared with
 * `dependency()`, a function of no parameters, or a generator function for
 * dependencies with cleanup. Dependencies are solved once per request unless
 * `useCache: false`.
 *
 * @example
 * ```ts
 * @Get('/items')
 * list(@Depends(commonParameters) commons: { q?: string; skip: number }) { return commons; }
 * ```
 */
export function Depends<D extends Function>(dep: D, options: DependsOptions = {}): ParamMarker<Provided<D>> {
  if (typeof dep !== 'function') throw new FastTsError('FASTTS_ERR_DEPENDENCY_NOT_CALLABLE', dep === null ? 'null' : typeof dep);
  return paramMarker({ kind: 'depends', dependency: dep, useCache: options.useCache ?? true });
}

export interface SecurityOptions extends DependsOptions {
  /** OAuth2 scopes this use of the dependency requires; added to those above it for every `SecurityScopes` below. */
  scopes?: readonly string[];
}

/**
 * `Depends()` with OAuth2 scopes (FastAPI's `Security`): the dependency and
 * everything under it see these scopes, merged with those of every
 * `Security()` above, through a `SecurityScopes` parameter; the OpenAPI
 * document lists them on the operation's security requirement.
 *
 * @example
 * ```ts
 * @Get('/users/me/items')
 * items(@Security(currentUser, { scopes: ['items'] }) user: User) { return user.items; }
 * ```
 */
export function Security<D extends Function>(dep: D, options: SecurityOptions = {}): ParamMarker<Provided<D>> {
  if (typeof dep !== 'function') throw new FastTsError('FASTTS_ERR_DEPENDENCY_NOT_CALLABLE', dep === null ? 'null' : typeof dep);
  const spec: DependencySpecWithScopes = { kind: 'depends', dependency: dep, useCache: options.useCache ?? true, scopes: Object.freeze([...(options.scopes ?? [])]) };
  return paramMarker(spec);
}
