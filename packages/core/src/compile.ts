import { getControllerMeta, getDesignParamTypes, getParamSpecs, getRouteMetas, type ControllerMeta, type RouteMeta } from './decorators/metadata.js';
import type { HttpMethod, RouteOptions } from './decorators/methods.js';
import type { DependsSpec, ParamMarker } from './decorators/params.js';
import type { TypeToken } from './decorators/type-tokens.js';
import { PlanCompiler, type Plan, type ValueStep } from './di/plan.js';
import { FastTsError } from './errors/codes.js';
import { JSONResponse } from './http/response.js';
import type { Class } from './internal/types.js';
import type { Logger } from './logger.js';
import type { CompiledRoute, ResponseClass } from './pipeline/route.js';
import { Router } from './router/router.js';
import { parseTemplate } from './router/template.js';
import { responseSerializer } from './validation/response-model.js';

/** What `include()` adds to every route it registers, in an app or an APIRouter. */
export interface IncludeOptions {
  /** Put before the controller's own prefix. */
  prefix?: string;
  /** Solved before the controller's and the route's own (their values are discarded). */
  dependencies?: ParamMarker[];
  /** OpenAPI tags, before the controller's and the route's own. */
  tags?: string[];
  /** Extra OpenAPI responses; a route's own entry for the same status wins. */
  responses?: RouteOptions['responses'];
  /** OpenAPI callbacks (see `RouteOptions.callbacks`), before the route's own. Only the document reads them. */
  callbacks?: RouteOptions['callbacks'];
}

/** A compiled route, as the OpenAPI generator and tools see it. */
export interface RouteInfo extends CompiledRoute {
  /** `websocket` for a `@WebSocketRoute` (it has no methods and no OpenAPI operation). */
  readonly kind: 'http' | 'websocket';
  readonly tags: readonly string[];
  readonly controller: Class;
  readonly propertyKey: string | symbol;
}

/** A controller instance as `include()` registered it. */
export interface Included {
  instance: object;
  /** The options of every include and router around it, outermost (the app's include) first. */
  layers: readonly IncludeOptions[];
}

/**
 * Compiles every route of the included controllers, once: the dependency
 * plan, how the body is read, the response class and serializer, and the
 * router that matches them. Declaration errors surface here, at start-up.
 */
export function compileRoutes(
  controllers: readonly Included[],
  appDependencies: readonly ParamMarker[],
  compiler: PlanCompiler,
  logger: Logger,
): { router: Router<CompiledRoute>; routes: RouteInfo[] } {
  const router = new Router<CompiledRoute>({ label: (route) => route.label });
  const routes: RouteInfo[] = [];
  for (const included of controllers) {
    for (const route of getRouteMetas(included.instance.constructor.prototype)) {
      const compiled = compileRoute(included, route, appDependencies, compiler, true);
      router.add(compiled.methods, compiled.path, compiled);
      routes.push(compiled);
    }
  }
  // The first declared route wins, as in Starlette: say so when that leaves a route unreachable.
  for (const { earlier, later, methods } of router.shadowed()) {
    logger.warn(
      { earlier: earlier.label, later: later.label, methods, path: later.path },
      `route ${later.label} (${methods.join(', ')} ${later.path}) never runs: ${earlier.label} (${earlier.path}) is declared first and matches every path it matches`,
    );
  }
  return { router, routes };
}

/**
 * The routes a class declares, compiled for the OpenAPI document only:
 * webhooks and callbacks describe requests the app sends, so nothing here
 * reaches a router, no instance is constructed, and the app's dependencies
 * and overrides do not apply (FastAPI's `app.webhooks` and callback routers
 * are routers of their own). Paths are kept as written: a webhook's name, a
 * callback's runtime expression (`{$request.body#/callback_url}/events`).
 */
export function compileUnrouted(cls: Function): RouteInfo[] {
  const compiler = new PlanCompiler(new Map());
  // The handler never runs: an object with the class's prototype carries the methods the plans read.
  const included: Included = { instance: Object.create(cls.prototype as object) as object, layers: [] };
  return getRouteMetas(cls.prototype as object).map((route) => compileRoute(included, route, [], compiler, false));
}

/** One HTTP route; `routed: false` for a route that is only documented (see `compileUnrouted`). */
function compileRoute(included: Included, route: RouteMeta, appDependencies: readonly ParamMarker[], compiler: PlanCompiler, routed: boolean): RouteInfo {
  const { instance, layers } = included;
  const cls = instance.constructor as Class;
  const meta = controllerMeta(cls);
  const { key, label, path, plan } = compileHandler(included, route, appDependencies, compiler);
  const { body, embedBody } = analyse(label, path, routed ? parseTemplate(path).names : undefined, plan);
  const methods: HttpMethod[] = routed && route.methods.includes('GET') && !route.methods.includes('HEAD') ? [...route.methods, 'HEAD'] : route.methods;
  const responseClass = (route.options.responseClass ?? JSONResponse) as ResponseClass;
  return {
    kind: 'http',
    label,
    methods,
    path: routed ? path : meta.prefix + route.path,
    plan,
    body,
    embedBody,
    statusCode: route.options.statusCode ?? 200,
    responseClass,
    // JSONResponse only reads it; a class of the app's own gets a fresh one per response.
    responseInit: responseClass === JSONResponse ? Object.freeze({ status: route.options.statusCode ?? 200 }) : undefined,
    serialize: route.options.responseModel ? responseSerializer(route.options.responseModel as TypeToken, { jsonText: rendersPlainJson(responseClass), output: route.options }) : undefined,
    options: withLayerOptions(route.options, layers),
    tags: [...layers.flatMap((l) => l.tags ?? []), ...(meta.options.tags ?? []), ...(route.options.tags ?? [])],
    controller: cls,
    propertyKey: key,
  };
}

/** A class without `@Controller` (a webhook or callback class) has no prefix and no options. */
const NO_CONTROLLER: ControllerMeta = { prefix: '', options: {} };
const controllerMeta = (cls: Class): ControllerMeta => getControllerMeta(cls) ?? NO_CONTROLLER;

/**
 * The route's options with what the includes add to its document, as FastAPI
 * merges them: extra responses under its own (`{**router, **route}`),
 * callbacks before its own (the router's list, then the route's). A copy, so
 * a controller included twice keeps each include's own.
 */
function withLayerOptions(options: RouteOptions, layers: readonly IncludeOptions[]): RouteOptions {
  const responses = layers.some((l) => l.responses);
  const callbacks = layers.some((l) => l.callbacks?.length);
  if (!responses && !callbacks) return options;
  const merged = { ...options };
  if (responses) merged.responses = Object.assign({}, ...layers.map((l) => l.responses), options.responses);
  if (callbacks) merged.callbacks = [...layers.flatMap((l) => l.callbacks ?? []), ...(options.callbacks ?? [])];
  return merged;
}

/**
 * A route method's label, full path and dependency plan, for HTTP and
 * WebSocket routes alike. Dependencies in FastAPI's order: app, then each
 * include and router from the outside in, then controller, then route.
 */
export function compileHandler(
  { instance, layers }: Included,
  route: { propertyKey: string | symbol; path: string; options: { dependencies?: readonly ParamMarker[] } },
  appDependencies: readonly ParamMarker[],
  compiler: PlanCompiler,
): { key: string | symbol; label: string; path: string; plan: Plan } {
  const cls = instance.constructor as Class;
  const meta = controllerMeta(cls);
  const key = route.propertyKey;
  const label = `${cls.name}.${String(key)}`;
  const path = joinPaths(...layers.map((l) => l.prefix), meta.prefix, route.path);
  const extra = [...appDependencies, ...layers.flatMap((l) => l.dependencies ?? []), ...(meta.options.dependencies ?? []), ...(route.options.dependencies ?? [])];
  const plan = compiler.handler(
    label,
    instance,
    (instance as Record<string | symbol, Function>)[key]!,
    getParamSpecs(cls.prototype, key),
    getDesignParamTypes(cls.prototype, key),
    extra.map((marker) => dependsSpec(marker)),
  );
  return { key, label, path, plan };
}

export function dependsSpec(marker: ParamMarker): DependsSpec {
  if (marker?.spec?.kind !== 'depends') throw new FastTsError('FASTTS_ERR_DEPENDENCIES_OPTION', marker?.spec?.kind ?? typeof marker);
  return marker.spec;
}

export function joinPaths(...parts: (string | undefined)[]): string {
  const joined = parts.filter((p) => p).map((p) => (p!.startsWith('/') ? p : `/${p}`)).join('');
  return joined === '' ? '/' : joined.replace(/\/{2,}/g, '/');
}

/** Checks @Path names against the template's (`names`; undefined for a path that is not routed) and finds how the body is read, once per route. */
function analyse(label: string, path: string, names: readonly string[] | undefined, plan: Plan): { body: CompiledRoute['body']; embedBody: boolean } {
  const bodies: ValueStep[] = [];
  let form = false;
  const seen = new Set<Plan>();
  const visit = (p: Plan) => {
    if (seen.has(p)) return;
    seen.add(p);
    for (const step of p.values) {
      if (step.source === 'path' && names && !names.includes(step.key!)) throw new FastTsError('FASTTS_ERR_PATH_PARAM_UNKNOWN', label, step.key, path);
      if (step.source === 'body' && !bodies.includes(step)) bodies.push(step);
      if (step.source === 'form' || step.source === 'file') form = true;
    }
    for (const dep of p.deps) visit(dep.plan);
  };
  visit(plan);
  if (form && bodies.length > 0) throw new FastTsError('FASTTS_ERR_BODY_MIXED', label);
  const embedBody = bodies.length > 1 || bodies.some((b) => b.spec.embed);
  return { body: form ? 'form' : bodies.length > 0 ? 'json' : 'none', embedBody };
}

/** A response class that renders as JSONResponse does, so it can send JSON text written in advance. */
function rendersPlainJson(responseClass: unknown): boolean {
  const render = (cls: Function) => (cls.prototype as { render?: unknown }).render;
  return typeof responseClass === 'function' && render(responseClass) === render(JSONResponse);
}
