import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request } from '../http/request.js';
import { Response } from '../http/response.js';
import type { Middleware, Next } from './chain.js';

/** A connect/express middleware, as npm packages such as helmet export them. */
export type ConnectMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/**
 * What a connect middleware that answered by itself (`res.end()`) leaves to
 * write: nothing. Its background never exists, so none is dropped.
 */
class AlreadySent extends Response {
  override writeTo(): void {}
}

/**
 * Mounts a connect-style `(req, res, next)` middleware. Headers it sets with
 * `res.setHeader()` are merged into the response (the Response's own win, as
 * node's `writeHead` does); `next(err)` hands the error to the exception
 * handlers; a middleware that ends the response itself answers early.
 * Express additions (`res.status()`, `res.send()`, `req.ip`) do not exist here.
 *
 * @example
 * ```ts
 * app.use(connectMiddleware(helmet()));
 * ```
 */
export function connectMiddleware(fn: ConnectMiddleware): Middleware {
  // The chain hands the node response as a third argument (middleware/chain.ts).
  const step = (request: Request, next: Next, res: ServerResponse): Promise<Response> =>
    new Promise<Response>((resolve, reject) => {
      let settled = false;
      const ended = (): void => {
        res.off('finish', ended);
        res.off('close', ended);
        if (settled) return;
        settled = true;
        resolve(new AlreadySent());
      };
      res.on('finish', ended);
      res.on('close', ended);
      try {
        fn(request.raw, res, (err?: unknown) => {
          res.off('finish', ended);
          res.off('close', ended);
          if (settled) return;
          settled = true;
          if (err !== undefined && err !== null) reject(err);
          else resolve(next());
        });
      } catch (err) {
        res.off('finish', ended);
        res.off('close', ended);
        if (!settled) {
          settled = true;
          reject(err);
        }
      }
    });
  Object.defineProperty(step, 'name', { value: fn.name || 'connectMiddleware' });
  return step as unknown as Middleware;
}
