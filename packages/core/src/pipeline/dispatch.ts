import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../app.js';
import { FAILED, solve } from '../di/solve.js';
import type { ExceptionHandlers } from '../errors/handlers.js';
import { HTTPException } from '../errors/http-exception.js';
import { RequestValidationError } from '../errors/validation-error.js';
import { Request } from '../http/request.js';
import { RedirectResponse, Response } from '../http/response.js';
import { adopt, isThenable } from '../internal/thenable.js';
import type { Logger } from '../logger.js';
import type { Chain } from '../middleware/chain.js';
import type { Router } from '../router/router.js';
import type { RequestStart } from './access-log.js';
import { parseJsonBody, type JsonBodyOptions } from './body.js';
import { RequestContext } from './context.js';
import { failed } from './fail.js';
import { readForm, type UploadLimits } from './form.js';
import { send, toResponse } from './respond.js';
import type { CompiledRoute } from './route.js';
import type { BackgroundSupervisor } from './supervisor.js';

/** What the request phases need from the app, compiled and ready. */
export interface Pipeline {
  router: Router<CompiledRoute>;
  handlers: ExceptionHandlers;
  supervisor: BackgroundSupervisor;
  logger: Logger;
  bodyLimit: number;
  json: JsonBodyOptions;
  uploads: UploadLimits;
  redirectSlashes: boolean;
  /** Handed to task definitions (TaskOrigin.app). */
  app: App;
  /** Request with `app` on its prototype (see http/app-request.ts). */
  Request: typeof Request;
  /** Told of every error that ends in a 500 (test clients re-throw it). */
  serverErrors: Set<(error: unknown, request: Request | undefined) => void>;
  /** The app's middleware, compiled; undefined when none is registered (see middleware/chain.ts). */
  middleware: Chain | undefined;
  /** The id header and the access line (see access-log.ts); undefined when both are off. */
  requestStart: RequestStart | undefined;
}

/**
 * One request, top to bottom, in phases named after their files: dispatch
 * (match, solve the compiled plan, call the handler) → respond (normalise the
 * result and write it) → after-response (the background and the dependency
 * cleanups, once the body is written); fail turns any error on the way into a
 * response. Never rejects.
 *
 * Steps return a value when they can and a promise only when they must (a
 * body to read, an async handler or dependency), so a synchronous handler
 * costs no extra turns of the microtask queue.
 */
export function dispatch(p: Pipeline, req: IncomingMessage, res: ServerResponse): void {
  // Counted until its response is handed to node, so close() waits for a handler still running.
  p.supervisor.requestStarted();
  const request = new p.Request(req, res, undefined, p.bodyLimit, p.json.depthLimit);
  if (p.requestStart !== undefined) p.requestStart(request, res);
  let ctx: RequestContext | undefined;
  let response: Response | Promise<Response>;
  try {
    const match = p.router.find(request.method, request.path);
    if (match.kind === 'found') {
      request.pathParams = match.params;
      ctx = new RequestContext(request, match.value.label);
      ctx.app = p.app;
      response = runRoute(p, match.value, ctx);
    } else {
      response = routeMiss(p, match, request);
    }
  } catch (err) {
    response = failed(p, request, ctx, err);
  }
  if (response instanceof Promise) {
    const context = ctx;
    response.then(
      (out) => send(p, request, context, res, out),
      (err: unknown) => failed(p, request, context, err).then((out) => send(p, request, context, res, out)),
    );
  } else {
    send(p, request, ctx, res, response);
  }
}

export function runRoute(p: Pipeline, route: CompiledRoute, ctx: RequestContext): Response | Promise<Response> {
  if (route.body === 'json') {
    // One promise for the body, then the rest runs synchronously when it can.
    return ctx.request.body().then((raw) => {
      ctx.body = parseJsonBody(raw, ctx.request, p.json);
      ctx.embedBody = route.embedBody;
      return solveRoute(route, ctx);
    });
  }
  if (route.body === 'form') return readFormThenRun(p, route, ctx);
  return solveRoute(route, ctx);
}

function solveRoute(route: CompiledRoute, ctx: RequestContext): Response | Promise<Response> {
  const result = solve(route.plan, ctx);
  return isThenable(result) ? adopt(result).then((r) => finishRoute(r, route, ctx)) : finishRoute(result, route, ctx);
}

async function readFormThenRun(p: Pipeline, route: CompiledRoute, ctx: RequestContext): Promise<Response> {
  ctx.form = await readForm(ctx.request, p.uploads, (ctx.uploads = []));
  return finishRoute(await solve(route.plan, ctx), route, ctx);
}

function finishRoute(result: unknown, route: CompiledRoute, ctx: RequestContext): Response | Promise<Response> {
  if (result === FAILED) throw new RequestValidationError(ctx.issues ?? [], ctx.body);
  // Durable tasks the handler added are stored before the response's first byte.
  const stored = ctx.tasks?.whenStored();
  if (stored !== undefined) return stored.then(() => respondWith(result, route, ctx));
  return respondWith(result, route, ctx);
}

function respondWith(result: unknown, route: CompiledRoute, ctx: RequestContext): Response | Promise<Response> {
  if (route.serialize && !(result instanceof Response)) {
    const serialized = route.serialize(result);
    // Only a model with an async custom constraint validates asynchronously.
    if (serialized instanceof Promise) return serialized.then((value) => toResponse(value, route, ctx));
    return toResponse(serialized, route, ctx);
  }
  return toResponse(result, route, ctx);
}

/** 405 or 404 as HTTPExceptions, so app handlers for those statuses apply; or Starlette's trailing-slash redirect. */
export function routeMiss(p: Pipeline, match: { kind: 'not-found' } | { kind: 'method-not-allowed'; allowed: string[] }, request: Request): Response {
  if (match.kind === 'method-not-allowed') throw new HTTPException(405, 'Method Not Allowed', { allow: match.allowed.join(', ') });
  const path = request.path;
  // `//host/x` would become a protocol-relative Location: no redirect for it.
  if (p.redirectSlashes && path !== '/' && !path.startsWith('//')) {
    const other = path.endsWith('/') ? path.slice(0, -1) : `${path}/`;
    if (p.router.find(request.method, other).kind !== 'not-found') {
      // A path, not an absolute URL: the Host header must not choose where a
      // client is sent. Under the root path the client sees (a mount's, a proxy's).
      const target = request.raw.url ?? '';
      const query = target.indexOf('?');
      const root = p.app.rootPath;
      return new RedirectResponse(root + (query < 0 ? other : `${other}${target.slice(query)}`));
    }
  }
  throw new HTTPException(404, 'Not Found');
}
