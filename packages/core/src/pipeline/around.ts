import type { IncomingMessage, ServerResponse } from 'node:http';
import { Response } from '../http/response.js';
import type { Chain } from '../middleware/chain.js';
import { RequestContext } from './context.js';
import { routeMiss, runRoute, type Pipeline } from './dispatch.js';
import { failed } from './fail.js';
import { send } from './respond.js';

/**
 * dispatch() for an app with middleware: the same phases, with routing, the
 * handler and the exception handlers as the innermost step of the chain, so
 * every middleware sees the final response, error responses included. The
 * response is written once the whole chain has returned, and its background
 * starts after that, so no middleware waits for tasks (Starlette issue 919).
 * Kept apart so that apps without middleware never pay for the chain.
 */
export function dispatchAround(p: Pipeline, chain: Chain, req: IncomingMessage, res: ServerResponse): void {
  p.supervisor.requestStarted();
  const request = new p.Request(req, res, undefined, p.bodyLimit, p.json.depthLimit);
  if (p.requestStart !== undefined) p.requestStart(request, res);
  // Set by the innermost step, if the chain gets that far: respond() needs it for the tasks and cleanups.
  let ctx: RequestContext | undefined;
  const inner = (): Response | Promise<Response> => {
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
      return failed(p, request, ctx, err);
    }
    return response instanceof Promise ? response.catch((err: unknown) => failed(p, request, ctx, err)) : response;
  };
  let out: Response | Promise<Response>;
  try {
    out = chain(request, res, inner);
  } catch (err) {
    out = Promise.reject(err);
  }
  // Built-in middleware around a synchronous handler hand back the Response itself: sent without a promise turn.
  if (out instanceof Response) {
    send(p, request, ctx, res, out);
    return;
  }
  out.then(
    (response) => send(p, request, ctx, res, response),
    // A middleware threw: the exception handlers answer (the route's tasks are dropped, as for a failed handler).
    (err: unknown) => failed(p, request, ctx, err).then((response) => send(p, request, ctx, res, response)),
  );
}
