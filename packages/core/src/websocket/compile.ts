import type { Included, RouteInfo } from '../compile.js';
import { compileHandler } from '../compile.js';
import type { ParamMarker } from '../decorators/params.js';
import { getWebSocketRouteMetas } from '../decorators/websocket-route.js';
import type { Plan, PlanCompiler } from '../di/plan.js';
import { FastTsError } from '../errors/codes.js';
import { JSONResponse } from '../http/response.js';
import type { Class } from '../internal/types.js';
import type { Logger } from '../logger.js';
import type { ResponseClass } from '../pipeline/route.js';
import { Router } from '../router/router.js';
import { parseTemplate } from '../router/template.js';

/** The compiled WebSocket routes of an app: their router, and their entries for `app.routes`. */
export interface WebSocketRoutes {
  router: Router<RouteInfo>;
  routes: RouteInfo[];
}

/**
 * Compiles the `@WebSocketRoute` methods of the included controllers, with
 * the same dependency plans as HTTP routes. Undefined when there are none,
 * so an HTTP-only app never loads `ws` nor listens for upgrades.
 */
export function compileWebSocketRoutes(controllers: readonly Included[], appDependencies: readonly ParamMarker[], compiler: PlanCompiler, logger: Logger): WebSocketRoutes | undefined {
  let compiled: WebSocketRoutes | undefined;
  for (const included of controllers) {
    const cls = included.instance.constructor as Class;
    for (const route of getWebSocketRouteMetas(cls.prototype)) {
      const { key, label, path, plan } = compileHandler(included, route, appDependencies, compiler);
      check(label, path, plan);
      const info: RouteInfo = {
        kind: 'websocket',
        label,
        methods: [],
        path,
        plan,
        body: 'none',
        embedBody: false,
        statusCode: 101,
        responseClass: JSONResponse as ResponseClass,
        responseInit: undefined,
        serialize: undefined,
        // FastAPI documents no WebSocket route in OpenAPI.
        options: { dependencies: route.options.dependencies, includeInSchema: false, name: route.options.name },
        tags: [],
        controller: cls,
        propertyKey: key,
      };
      compiled ??= { router: new Router<RouteInfo>({ label: (r) => r.label }), routes: [] };
      // The handshake is a GET (RFC 6455 section 4.1).
      compiled.router.add(['GET'], path, info);
      compiled.routes.push(info);
    }
  }
  if (compiled) {
    for (const { earlier, later } of compiled.router.shadowed()) {
      logger.warn({ earlier: earlier.label, later: later.label, path: later.path }, `WebSocket route ${later.label} (${later.path}) never runs: ${earlier.label} (${earlier.path}) is declared first and matches every path it matches`);
    }
  }
  return compiled;
}

/** Path names against the template; nothing that needs a body or an HTTP response. */
function check(label: string, path: string, plan: Plan): void {
  const { names } = parseTemplate(path);
  const seen = new Set<Plan>();
  const visit = (p: Plan) => {
    if (seen.has(p)) return;
    seen.add(p);
    for (const step of p.values) {
      if (step.source === 'path' && !names.includes(step.key!)) throw new FastTsError('FASTTS_ERR_PATH_PARAM_UNKNOWN', label, step.key, path);
      if (step.source === 'body' || step.source === 'form' || step.source === 'file') throw new FastTsError('FASTTS_ERR_WEBSOCKET_PARAM', p.label, `@${step.source[0]!.toUpperCase()}${step.source.slice(1)}() parameter`);
    }
    for (const inject of p.injects) {
      if (inject.token === 'response' || inject.token === 'tasks') throw new FastTsError('FASTTS_ERR_WEBSOCKET_PARAM', p.label, inject.token === 'response' ? 'Response' : 'BackgroundTasks');
    }
    for (const dep of p.deps) visit(dep.plan);
  };
  visit(plan);
}
