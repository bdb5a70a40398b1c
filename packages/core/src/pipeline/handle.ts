import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTPException } from '../errors/http-exception.js';
import { RequestValidationError } from '../errors/validation-error.js';
import type { ExceptionHandlers } from '../errors/handlers.js';
import { FAILED, NO_ERROR, RequestContext, runCleanups, solve } from '../di/solve.js';
import { Request } from '../http/request.js';
import { RedirectResponse, Response } from '../http/response.js';
import type { Logger } from '../logger.js';
import type { Router } from '../router/router.js';
import { readRequestBody, type JsonBodyOptions } from './body.js';
import { readForm, type UploadLimits } from './form.js';
import type { CompiledRoute } from './route.js';
import { BackgroundRun, backgroundSources, type BackgroundSettings, type BackgroundTracker, type TaskFailure } from './tracker.js';
import { BackgroundTasks, type TaskRunContext } from '../background.js';

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
      (out) => respond(p, request, context, res, out),
      (err: unknown) => failed(p, request, context, err).then((out) => respond(p, request, context, res, out)),
    );
  } else {
    void respond(p, request, ctx, res, response);
  }
}

function runRoute(p: Pipeline, route: CompiledRoute, ctx: RequestContext): Response | Promise<Response> {
  if (route.body !== 'none') return readBodyThenRun(p, route, ctx);
  const result = solve(route.plan, ctx);
  return result instanceof Promise ? result.then((r) => finishRoute(r, route, ctx)) : finishRoute(result, route, ctx);
}

async function readBodyThenRun(p: Pipeline, route: CompiledRoute, ctx: RequestContext): Promise<Response> {
  if (route.body === 'json') {
    ctx.body = await readRequestBody(ctx.request, p.json);
    ctx.embedBody = route.embedBody;
  } else {
    ctx.form = await readForm(ctx.request, p.uploads, (ctx.uploads = []));
  }
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
  const response = new route.responseClass(result, { status: temporary?.status || route.statusCode });
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

async function respond(p: Pipeline, request: Request, ctx: RequestContext | undefined, res: ServerResponse, out: Response): Promise<void> {
  let run: BackgroundRun | undefined;
  // Fast path: most responses have no background work and no cleanups.
  if (out.background !== undefined || ctx?.tasks !== undefined || ctx?.cleanups !== undefined || ctx?.uploads !== undefined) {
    // Tracked before writing, so the work is known before the client can see
    // the response; started once the response is done (node emits 'close'
    // right after 'finish', or when the client goes away) and the writer has
    // let go of it (a stream's generator is closed).
    run = new BackgroundRun(ctx?.label ?? request.path, request, backgroundSources(ctx?.tasks, out.background));
    p.tracker.begin(run);
    // The handler is done: what runs later keeps the request context only for
    // cleanups and uploads, so node's request and response can be collected.
    if (ctx?.tasks) ctx.tasks.origin = undefined;
    const kept = ctx?.cleanups !== undefined || ctx?.uploads !== undefined ? ctx : undefined;
    const started = run;
    if (res.destroyed || res.closed) started.closed = true;
    else res.once('close', () => startWhenReady(p, kept, started, 'closed'));
  }
  try {
    const writing = out.writeTo(res, request.method === 'HEAD');
    if (writing) await writing;
  } catch (err) {
    if (run) run.skipTasks = true;
    if (!res.headersSent) {
      const replacement = await failed(p, request, ctx, err);
      await respond(p, request, ctx, res, replacement);
    } else {
      p.logger.error({ err, route: ctx?.label, requestId: request.id }, 'response failed after its headers were sent');
      if (run) run.error = err;
      res.destroy();
    }
  }
  if (run) startWhenReady(p, ctx?.cleanups !== undefined || ctx?.uploads !== undefined ? ctx : undefined, run, 'written');
}

function startWhenReady(p: Pipeline, ctx: RequestContext | undefined, run: BackgroundRun, event: 'closed' | 'written'): void {
  run[event] = true;
  if (run.closed && run.written && !run.started) {
    run.started = true;
    void afterResponse(p, ctx, run);
  }
}

/** After the body is written (or the client has gone): tasks in order, each isolated, then cleanups LIFO. */
async function afterResponse(p: Pipeline, ctx: RequestContext | undefined, run: BackgroundRun): Promise<void> {
  try {
    let firstError: unknown = run.error;
    if (run.skipTasks) for (let task = run.next(); task !== undefined; task = run.next()) task.discard('handler-failed');
    else {
      const context = new RunContext(run, p.app);
      for (let task = run.next(); task !== undefined; task = run.next()) {
        if (p.background.mode !== 'run') {
          if (p.background.mode === 'collect') p.background.collected.push({ name: task.name, args: task.args, route: run.route, requestId: run.requestId });
          task.discard(p.background.mode === 'collect' ? 'collected' : 'skipped');
          continue;
        }
        try {
          const running = task.run(context);
          if (isThenable(running)) await running;
        } catch (error) {
          p.reportTaskError({ error, task: task.name, route: run.route, requestId: run.requestId });
          if (firstError === NO_ERROR) firstError = error;
        }
      }
    }
    if (ctx?.cleanups) {
      const left = await runCleanups(ctx, firstError, false);
      if (left !== NO_ERROR && left !== firstError) p.logger.error({ err: left, route: run.route, requestId: run.requestId }, 'dependency cleanup failed');
    }
    for (const late of run.skipTasks ? [] : run.lateTasks()) {
      p.logger.warn({ task: late.name, route: run.route, requestId: run.requestId }, 'task added after the background had run (in a dependency cleanup?); it did not run');
    }
    // Uploads outlive the tasks, so a task can still read a file it was handed.
    if (ctx?.uploads) await Promise.all(ctx.uploads.map((file) => file.close()));
  } catch (err) {
    p.logger.error({ err, route: run.route }, 'background run failed');
  } finally {
    p.tracker.end(run);
  }
}

/** What a task's `run()` is told; the signal and the request id are created only when read. */
class RunContext implements TaskRunContext {
  readonly #run: BackgroundRun;
  readonly app: unknown;

  constructor(run: BackgroundRun, app: unknown) {
    this.#run = run;
    this.app = app;
  }

  get signal(): AbortSignal {
    return this.#run.signal;
  }

  get requestId(): string {
    return this.#run.requestId;
  }

  get route(): string {
    return this.#run.route;
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as PromiseLike<unknown>).then === 'function';
}
