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

/** What routing and the handler give the chain: a Response when they finished synchronously. */
export type Inner = () => Response | Promise<Response>;

/** The compiled chain: every middleware around `inner` (routing and the exception handlers). May throw synchronously. */
export type Chain = (request: Request, res: ServerResponse, inner: Inner) => Response | Promise<Response>;

const kSyncNext = Symbol('fastts.middleware.syncNext');

/**
 * Marks a built-in middleware whose `next()` may hand back the Response
 * itself, not a promise of it, when routing and the handler finished
 * synchronously; such a middleware handles both. User middleware always gets
 * a promise (the documented `Next`). Paired CPU per request on GET /hello with
 * cors() and gzip() (benchmarks/results/middleware.md): the promise turns
 * were about 3% of fastts's cost.
 */
export function acceptsSyncNext<M extends Middleware>(middleware: M): M {
  (middleware as M & { [kSyncNext]?: true })[kSyncNext] = true;
  return middleware;
}

const kHandshake = Symbol('fastts.middleware.handshake');

/**
 * What a built-in middleware does to a WebSocket handshake, before routing:
 * a Response refuses it (sent as the handshake's HTTP answer), undefined
 * lets it through. May throw an HTTPException (a Host that makes no URL).
 */
export type HandshakeGuard = (request: Request) => Response | undefined;

/**
 * Marks a built-in middleware that also acts on WebSocket handshakes, as
 * Starlette's TrustedHostMiddleware and HTTPSRedirectMiddleware act on
 * websocket scopes. User middleware is FastAPI's `@app.middleware("http")`,
 * which never sees one, so a handshake runs only these guards, not the chain.
 */
export function guardsHandshakes<M extends Middleware>(middleware: M, guard: HandshakeGuard): M {
  (middleware as M & { [kHandshake]?: HandshakeGuard })[kHandshake] = guard;
  return middleware;
}

/** The handshake guards among the middleware, in the order of `app.use()`; undefined for none, so a handshake tests one field. */
export function compileHandshakeGuard(middleware: readonly Middleware[]): HandshakeGuard | undefined {
  const guards = middleware.flatMap((m) => (m as Middleware & { [kHandshake]?: HandshakeGuard })[kHandshake] ?? []);
  if (guards.length === 0) return undefined;
  if (guards.length === 1) return guards[0];
  return (request) => {
    for (const guard of guards) {
      const refusal = guard(request);
      if (refusal !== undefined) return refusal;
    }
    return undefined;
  };
}

/** Built once per compile, from a copy: `app.use()` after it builds a new one. Undefined for none, so apps without middleware keep the direct path. */
export function compileChain(middleware: readonly Middleware[]): Chain | undefined {
  if (middleware.length === 0) return undefined;
  const steps = middleware.slice() as Step[];
  const syncNext = steps.map((step) => (step as Step & { [kSyncNext]?: true })[kSyncNext] === true);
  return (request, res, inner) => {
    const at = (index: number): Response | Promise<Response> => {
      if (index === steps.length) return inner();
      const step = steps[index]!;
      let called = false;
      let rest: Response | Promise<Response>;
      const raw = (): Response | Promise<Response> => {
        if (!called) {
          rest = at(index + 1);
          called = true;
        }
        return rest;
      };
      let promised: Promise<Response> | undefined;
      const next: Next = syncNext[index]
        ? (raw as Next)
        : () => {
            if (promised === undefined) {
              try {
                promised = Promise.resolve(raw());
              } catch (err) {
                promised = Promise.reject(err);
              }
            }
            return promised;
          };
      let result: Response | Promise<Response>;
      try {
        result = step(request, next, res);
      } catch (err) {
        return Promise.reject(err);
      }
      if (result instanceof Response) return result;
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
