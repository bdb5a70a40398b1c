import type { ServerResponse } from 'node:http';
import { FastTsError } from '../errors/codes.js';
import type { Request } from '../http/request.js';
import { Response } from '../http/response.js';

/** Runs the rest of the chain (the later middleware, then routing) once; calling it again returns the same response. */
export type Next = () => Promise<Response>;

/**
 * A request → response middleware, FastAPI's `@app.middleware("http")`
 * shape: `next()` runs the middleware registered after it, then routing, the
 * handler and the exception handlers, and resolves with the response (an
 * error response too: it never rejects for an error an exception handler
 * turned into a response). Return it, changed or not, or answer without
 * calling `next()`. The body is written after the whole chain has returned,
 * and background tasks run after that, outside every middleware.
 *
 * @example
 * ```ts
 * app.use(async (request, next) => {
 *   const response = await next();
 *   response.setHeader('x-served-by', 'fastts');
 *   return response;
 * });
 * ```
 */
export type Middleware = (request: Request, next: Next) => Response | Promise<Response>;

/**
 * A middleware as the chain calls it: the node response is handed on as a
 * third argument for the connect adapter only (a plain middleware has no use
 * for it: it answers with a Response).
 */
type Step = (request: Request, next: Next, res: ServerResponse) => Response | Promise<Response>;

/** The compiled chain: every middleware around `inner` (routing and the exception handlers). */
export type Chain = (request: Request, res: ServerResponse, inner: () => Promise<Response>) => Promise<Response>;

/** Built once per compile, from a copy: `app.use()` after it builds a new one. Undefined for none, so apps without middleware keep the direct path. */
export function compileChain(middleware: readonly Middleware[]): Chain | undefined {
  if (middleware.length === 0) return undefined;
  const steps = middleware.slice() as Step[];
  return (request, res, inner) => {
    const at = (index: number): Promise<Response> => {
      if (index === steps.length) return inner();
      const step = steps[index]!;
      let rest: Promise<Response> | undefined;
      const next: Next = () => (rest ??= at(index + 1));
      let result: Response | Promise<Response>;
      try {
        result = step(request, next, res);
      } catch (err) {
        return Promise.reject(err);
      }
      return Promise.resolve(result).then((response) => checked(response, step));
    };
    return at(0);
  };
}

function checked(response: unknown, step: Step): Response {
  if (response instanceof Response) return response;
  // The usual slip: `await next()` without returning it.
  throw new FastTsError('FASTTS_ERR_MIDDLEWARE_RESULT', step.name || 'a middleware', response === undefined ? 'undefined' : typeof response);
}
