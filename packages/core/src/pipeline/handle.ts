import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTPException } from '../errors/http-exception.js';
import { RequestValidationError } from '../errors/validation-error.js';
import type { ExceptionHandlers } from '../errors/handlers.js';
import { FAILED, RequestContext, runCleanups, solve } from '../di/solve.js';
import { Request } from '../http/request.js';
import { JSONResponse, RedirectResponse, Response } from '../http/response.js';
import { adopt, isThenable } from '../internal/thenable.js';
import type { Logger } from '../logger.js';
import type { Router } from '../router/router.js';
import { parseJsonBody, type JsonBodyOptions } from './body.js';
import { readForm, type UploadLimits } from './form.js';
import type { CompiledRoute } from './route.js';
import { BackgroundRun, type BackgroundSettings, type BackgroundTracker, type TaskFailure } from './tracker.js';
import { BackgroundTasks } from '../background.js';

/** What the pipeline needs from the app, compiled and ready. */
export interface Pipeline {
  router: Router<CompiledRoute>;
  handlers: ExceptionHandlers;
  tracker: BackgroundTracker;
  logger: Logger;
  bodyLimit: number;
  json: JsonBodyOptions;
  uploads: UploadLimits;
  redirectSlashes: boolean;
  reportTaskError(failure: TaskFailure): void;
  background: BackgroundSettings;
  /** Handed to tasks (TaskRunContext.app). */
  app: unknown;
}

/**
 * One request, top to bottom: match → solve the compiled plan → call the
 * handler → normalise the result → write it → after the body is written, run
 * the background and the dependency cleanups. Never rejects: every error
 * becomes a response here.
 *
 * Steps return a value when they can and a promise only when they must (a
 * body to read, an async handler or dependency), so a synchronous handler
 * costs no extra turns of the microtask queue.
 */
export function dispatch(p: Pipeline, req: IncomingMessage, res: ServerResponse): void {
  const request = new Request(req, res, undefined, p.bodyLimit);
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

function send(p: Pipeline, request: Request, ctx: RequestContext | undefined, res: ServerResponse, out: Response): void {
  const writing = respond(p, request, ctx, res, out);
  if (writing) writing.catch((err: unknown) => lastResort(p, res, err));
}

/** An exception handler or the error response itself failed: log it, and do not leave the client hanging. */
function lastResort(p: Pipeline, res: ServerResponse, err: unknown): void {
  p.logger.error({ err }, 'could not send an error response');
  if (!res.headersSent) {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', 'content-length': '21' });
    res.end('Internal Server Error');
  } else res.destroy();
}

function runRoute(p: Pipeline, route: CompiledRoute, ctx: RequestContext): Response | Promise<Response> {
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
  if (route.serialize && !(result instanceof Response)) {
    const serialized = route.serialize(result);
    // Only a model with an async custom constraint validates asynchronously.
    if (serialized instanceof Promise) return serialized.then((value) => toResponse(value, route, ctx));
    return toResponse(serialized, route, ctx);
  }
  return toResponse(result, route, ctx);
}

/**
 * A returned Response is sent as it is (FastAPI ignores the temporary
 * response then, and so do we). Anything else is wrapped in the route's
 * response class, with the status, headers and cookies set on the temporary
 * response merged in.
 */
function toResponse(result: unknown, route: CompiledRoute, ctx: RequestContext): Response {
  if (result instanceof Response) return result;
  const temporary = ctx.response;
  const status = temporary?.status || route.statusCode;
  const init = status === route.statusCode && route.responseInit !== undefined ? route.responseInit : { status };
  // A constructor read from a field is called through V8's generic construct stub; the default class, named, is not.
  const response = route.responseClass === JSONResponse ? new JSONResponse(result, init) : new route.responseClass(result, init);
  if (temporary) {
    for (const [name, value] of Object.entries(temporary.headers)) {
      if (name === 'set-cookie') for (const cookie of [value].flat()) response.appendHeader(name, cookie);
      else if (name !== 'content-length' && name !== 'content-type') response.headers[name] = value;
    }
  }
  return response;
}

/** The handler, a dependency or validation failed: its tasks are dropped (FastAPI parity), cleanups see the error. */
async function failed(p: Pipeline, request: Request, ctx: RequestContext | undefined, err: unknown): Promise<Response> {
  let error = err;
  if (ctx) {
    ctx.tasks = keepOnError(ctx.tasks);
    error = await runCleanups(ctx, err, true);
  }
  return p.handlers.render(request, error, p.logger, ctx?.label);
}

/** Only tasks marked `runOn: 'always'` outlive a failed handler. */
function keepOnError(tasks: BackgroundTasks | undefined): BackgroundTasks | undefined {
  if (tasks === undefined) return undefined;
  for (const task of tasks.tasks) if (task.runOn !== 'always') task.discard('handler-failed');
  const kept = tasks.tasks.filter((task) => task.runOn === 'always');
  return kept.length > 0 ? new BackgroundTasks(kept) : undefined;
}

/** 405 or 404 as HTTPExceptions, so app handlers for those statuses apply; or Starlette's trailing-slash redirect. */
function routeMiss(p: Pipeline, match: { kind: 'not-found' } | { kind: 'method-not-allowed'; allowed: string[] }, request: Request): Response {
  if (match.kind === 'method-not-allowed') throw new HTTPException(405, 'Method Not Allowed', { allow: match.allowed.join(', ') });
  const path = request.path;
  if (p.redirectSlashes && path !== '/') {
    const other = path.endsWith('/') ? path.slice(0, -1) : `${path}/`;
    if (p.router.find(request.method, other).kind !== 'not-found') {
      const url = request.url;
      return new RedirectResponse(`${url.protocol}//${url.host}${other}${url.search}`);
    }
  }
  throw new HTTPException(404, 'Not Found');
}

/**
 * Writes the response, then lets the background start. Synchronous for a body
 * known up front (the common case); a promise only for bodies written over
 * time, or when writing failed.
 */
function respond(p: Pipeline, request: Request, ctx: RequestContext | undefined, res: ServerResponse, out: Response): void | Promise<void> {
  let run: BackgroundRun | undefined;
  // Fast path: most responses have no background work and no cleanups.
  if (out.background !== undefined || ctx?.tasks !== undefined || ctx?.cleanups !== undefined || ctx?.uploads !== undefined) {
    // Tracked before writing, so the work is known before the client can see
    // the response; started once the response is done (node emits 'close'
    // right after 'finish', or when the client goes away) and the writer has
    // let go of it (a stream's generator is closed). What runs later keeps the
    // request context only for cleanups and uploads, so node's request and
    // response can be collected.
    const kept = ctx?.cleanups !== undefined || ctx?.uploads !== undefined ? ctx : undefined;
    const started = (run = new BackgroundRun(p, ctx?.label ?? request.path, request, ctx?.tasks, out.background, kept));
    p.tracker.begin(started);
    // The handler is done: task definitions added from now on get no request.
    if (ctx?.tasks) ctx.tasks.origin = undefined;
    if (res.destroyed || res.closed) started.markClosed();
    else {
      // 'close' fires once; `on` spares the wrapper `once` allocates, and one
      // shared listener that finds the run on the response spares a closure.
      (res as RunningResponse)[kRun] = started;
      res.on('close', markRunClosed);
    }
  }
  let writing: void | Promise<void>;
  try {
    writing = out.writeTo(res, request.method === 'HEAD');
  } catch (err) {
    return writeFailed(p, request, ctx, res, run, err);
  }
  if (writing === undefined) return run?.markWritten();
  return writing.then(
    () => run?.markWritten(),
    (err: unknown) => writeFailed(p, request, ctx, res, run, err),
  );
}

const kRun = Symbol('fastts.backgroundRun');
type RunningResponse = ServerResponse & { [kRun]?: BackgroundRun };

function markRunClosed(this: RunningResponse): void {
  const run = this[kRun];
  this[kRun] = undefined;
  run?.markClosed();
}

async function writeFailed(p: Pipeline, request: Request, ctx: RequestContext | undefined, res: ServerResponse, run: BackgroundRun | undefined, err: unknown): Promise<void> {
  run?.skipTasks();
  try {
    if (!res.headersSent) {
      const replacement = await failed(p, request, ctx, err);
      await respond(p, request, ctx, res, replacement);
    } else {
      p.logger.error({ err, route: ctx?.label, requestId: request.id }, 'response failed after its headers were sent');
      if (run) run.error = err;
      res.destroy();
    }
  } finally {
    run?.markWritten();
  }
}
