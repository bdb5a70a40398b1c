import type { ServerResponse } from 'node:http';
import type { Request } from '../http/request.js';
import { JSONResponse, Response } from '../http/response.js';
import { BackgroundRun } from './after-response.js';
import type { RequestContext } from './context.js';
import type { Pipeline } from './dispatch.js';
import { lastResort, writeFailed } from './fail.js';
import type { CompiledRoute } from './route.js';

/**
 * A returned Response is sent as it is (FastAPI ignores the temporary
 * response then, and so do we, except for its background, which still runs).
 * Anything else is wrapped in the route's response class, with the status,
 * headers and cookies set on the temporary response merged in.
 */
export function toResponse(result: unknown, route: CompiledRoute, ctx: RequestContext): Response {
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

/** Writes `out`; the request stops counting as in flight once its run (if any) is tracked. */
export function send(p: Pipeline, request: Request, ctx: RequestContext | undefined, res: ServerResponse, out: Response): void {
  let writing: void | Promise<void>;
  try {
    writing = respond(p, request, ctx, res, out);
  } catch (err) {
    writing = Promise.reject(err);
  } finally {
    p.supervisor.requestEnded();
  }
  if (writing) writing.catch((err: unknown) => lastResort(p, res, err));
}

/**
 * Writes the response, then lets the background start. Synchronous for a body
 * known up front (the common case); a promise only for bodies written over
 * time, or when writing failed.
 */
export function respond(p: Pipeline, request: Request, ctx: RequestContext | undefined, res: ServerResponse, out: Response): void | Promise<void> {
  let run: BackgroundRun | undefined;
  // Fast path: most responses have no background work and no cleanups.
  if (out.background !== undefined || ctx?.tasks !== undefined || ctx?.response?.background !== undefined || ctx?.cleanups !== undefined || ctx?.uploads !== undefined) {
    run = startAfterResponse(p, request, ctx, res, out);
  }
  let writing: void | Promise<void>;
  try {
    writing = out.writeTo(res, request.method === 'HEAD', request);
  } catch (err) {
    return writeFailed(p, request, ctx, res, run, err);
  }
  if (writing === undefined) return run?.markWritten();
  return writing.then(
    () => run?.markWritten(),
    (err: unknown) => writeFailed(p, request, ctx, res, run, err),
  );
}

/**
 * Tracks the request's background run before writing, so the work is known
 * before the client can see the response; it starts once the response is done
 * (node emits 'close' right after 'finish', or when the client goes away) and
 * the writer has let go of it (a stream's generator is closed). What runs
 * later keeps the request context only for cleanups and uploads, so node's
 * request and response can be collected.
 */
function startAfterResponse(p: Pipeline, request: Request, ctx: RequestContext | undefined, res: ServerResponse, out: Response): BackgroundRun {
  const kept = ctx?.cleanups !== undefined || ctx?.uploads !== undefined ? ctx : undefined;
  const temporary = ctx?.response !== out ? ctx?.response?.background : undefined;
  const run = new BackgroundRun(p.supervisor, ctx?.label ?? request.path, request, ctx?.tasks, temporary, out.background, kept);
  p.supervisor.begin(run);
  // The handler is done: task definitions added from now on get no request.
  if (ctx?.tasks) ctx.tasks.origin = undefined;
  if (res.destroyed || res.closed) run.markClosed();
  else {
    // 'close' fires once; `on` spares the wrapper `once` allocates, and one
    // shared listener that finds the run on the response spares a closure.
    (res as RunningResponse)[kRun] = run;
    res.on('close', markRunClosed);
  }
  return run;
}

const kRun = Symbol('fastts.backgroundRun');
type RunningResponse = ServerResponse & { [kRun]?: BackgroundRun };

function markRunClosed(this: RunningResponse): void {
  const run = this[kRun];
  this[kRun] = undefined;
  run?.markClosed();
}
