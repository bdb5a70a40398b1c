import type { ServerResponse } from 'node:http';
import { BackgroundTask, BackgroundTasks, type Background } from '../background.js';
import { runCleanups } from '../di/solve.js';
import type { Request } from '../http/request.js';
import { PlainTextResponse, type Response } from '../http/response.js';
import type { BackgroundRun } from './after-response.js';
import type { RequestContext } from './context.js';
import type { Pipeline } from './dispatch.js';
import { respond } from './respond.js';
import { safeError } from './untrusted.js';

/**
 * The handler, a dependency, validation or the body read failed: the
 * request's tasks are dropped (FastAPI parity; `runOn: 'always'` tasks stay),
 * cleanups see the error, and the exception handlers turn it into the
 * response. Never rejects.
 */
export async function failed(p: Pipeline, request: Request, ctx: RequestContext | undefined, err: unknown): Promise<Response> {
  let error = safeError(err);
  try {
    if (ctx) {
      ctx.tasks = keepOnError(ctx.tasks) as BackgroundTasks | undefined;
      if (ctx.response?.background !== undefined) ctx.response.background = keepOnError(ctx.response.background);
      error = safeError(await runCleanups(ctx, error, true));
    }
    if (p.serverErrors.size > 0 && p.handlers.isServerError(error)) reportServerError(p, error, request);
    return await p.handlers.render(request, error, p.logger, ctx?.label, p.serverErrors.size > 0 ? (failure) => reportServerError(p, safeError(failure), request) : undefined);
  } catch (failure) {
    p.supervisor.logError(failure, { cause: error, route: ctx?.label }, 'could not build an error response');
    return new PlainTextResponse('Internal Server Error', { status: 500 });
  }
}

/** Tells the app's server-error listeners (a test client re-throws what it hears). */
export function reportServerError(p: Pipeline, error: unknown, request: Request): void {
  for (const listener of p.serverErrors) {
    try {
      listener(error, request);
    } catch (err) {
      p.supervisor.logError(err, {}, 'server error listener failed');
    }
  }
}

/** Only tasks marked `runOn: 'always'` outlive a failed handler. */
function keepOnError(background: Background | undefined): Background | undefined {
  if (background === undefined) return undefined;
  if (background instanceof BackgroundTask) {
    if (background.runOn === 'always') return background;
    background.discard('handler-failed');
    return undefined;
  }
  for (const task of background.tasks) if (task.runOn !== 'always') task.discard('handler-failed');
  const kept = background.tasks.filter((task) => task.runOn === 'always');
  return kept.length > 0 ? new BackgroundTasks(kept) : undefined;
}

/** An exception handler or the error response itself failed: log it, and do not leave the client hanging. */
export function lastResort(p: Pipeline, res: ServerResponse, err: unknown): void {
  p.supervisor.logError(err, {}, 'could not send an error response');
  if (!res.headersSent) {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', 'content-length': '21' });
    res.end('Internal Server Error');
  } else res.destroy();
}

/** Writing the response failed: before its headers, an error response replaces it; after, the connection is cut. */
export async function writeFailed(p: Pipeline, request: Request, ctx: RequestContext | undefined, res: ServerResponse, run: BackgroundRun | undefined, err: unknown): Promise<void> {
  run?.skipTasks();
  try {
    if (!res.headersSent) {
      const replacement = await failed(p, request, ctx, err);
      await respond(p, request, ctx, res, replacement);
    } else {
      p.supervisor.logError(err, { route: ctx?.label, requestId: request.id }, 'response failed after its headers were sent');
      if (run) run.error = safeError(err);
      reportServerError(p, safeError(err), request);
      res.destroy();
    }
  } finally {
    run?.markWritten();
  }
}
