import type { Included, IncludeOptions } from './compile.js';
import { getConstructorParamTypes, getControllerMeta } from './decorators/metadata.js';
import { FastTsError } from './errors/codes.js';
import type { Class } from './internal/types.js';

// Named after FastAPI's APIRouter; `Router` is already the matching tree in router/router.ts.

/** Set by APIRouter's static block: how `include()` reads a router's entries. */
let entriesOf: (router: APIRouter) => readonly Included[];

/**
 * A group of controllers with a prefix, tags, dependencies, extra OpenAPI
 * responses and callbacks shared by all their routes (FastAPI's `APIRouter`). Routers nest;
 * `app.include(router)` registers what the router holds at that moment.
 *
 * @example
 * ```ts
 * const users = new APIRouter({ prefix: '/users', tags: ['users'], dependencies: [Depends(auth)] }).include(UsersController);
 * app.include(users, { prefix: '/v1' });
 * ```
 */
export class APIRouter {
  readonly options: Readonly<IncludeOptions>;
  readonly #entries: Included[] = [];

  static {
    entriesOf = (router) => router.#entries;
  }

  constructor(options: IncludeOptions = {}) {
    this.options = options;
  }

  /** Adds a controller (a class or a ready instance) or another router, under `options`. */
  include(target: Class | object | APIRouter, options: IncludeOptions = {}): this {
    this.#entries.push(...includedEntries(target, options));
    return this;
  }
}

/**
 * What `include(target, options)` registers, for an app or a router: one
 * entry per controller, each with the options around it, outermost first.
 * A router's entries are copied, as FastAPI copies a router's routes.
 */
export function includedEntries(target: Class | object | APIRouter, options: IncludeOptions): Included[] {
  if (target instanceof APIRouter) {
    return entriesOf(target).map((entry) => ({ instance: entry.instance, layers: [options, target.options, ...entry.layers] }));
  }
  return [{ instance: controllerInstance(target), layers: [options] }];
}

/** A controller class instantiated with no arguments, or a ready instance, checked to be a controller. */
function controllerInstance(controller: Class | object): object {
  if (typeof controller === 'function') {
    if (!getControllerMeta(controller)) throw new FastTsError('FASTTS_ERR_NOT_A_CONTROLLER', controller.name);
    // fastts has no provider container: a constructor that needs services
    // would get undefined and fail on the first request instead of here.
    const wanted = Math.max(controller.length, getConstructorParamTypes(controller)?.length ?? 0);
    if (wanted > 0) throw new FastTsError('FASTTS_ERR_CONTROLLER_CONSTRUCTOR', controller.name, wanted, controller.name);
  }
  const instance = typeof controller === 'function' ? new (controller as new () => object)() : controller;
  if (!getControllerMeta(instance.constructor)) throw new FastTsError('FASTTS_ERR_NOT_A_CONTROLLER', instance.constructor.name);
  return instance;
}
