import { FastTsError } from './codes.js';
import { HTTPException } from './http-exception.js';
import { RequestValidationError } from './validation-error.js';
import type { Request } from '../http/request.js';
import { JSONResponse, PlainTextResponse, Response } from '../http/response.js';
import type { Logger } from '../logger.js';
import { statusHasNoBody } from '../internal/status.js';
import type { Awaitable, Class } from '../internal/types.js';

/** Turns an error into the response the client gets. A plain return value is sent as JSON. */
export type ExceptionHandler<E = any> = (request: Request, error: E) => Awaitable<Response | unknown>;

/** The default for HTTPException: `{"detail": ...}` with its status and headers (no body for 204/304). */
export function httpExceptionHandler(_request: Request, error: HTTPException): Response {
  const init = { status: error.status, headers: error.headers };
  return statusHasNoBody(error.status) ? new Response(undefined, init) : new JSONResponse({ detail: error.detail }, init);
}

/** The default for RequestValidationError: 422 `{"detail": [issues]}`. */
export function requestValidationHandler(_request: Request, error: RequestValidationError): Response {
  return new JSONResponse({ detail: error.issues }, { status: 422 });
}

const INTERNAL_ERROR = () => new PlainTextResponse('Internal Server Error', { status: 500 });

/**
 * Exception handlers by error class (the nearest registered ancestor wins) or,
 * for HTTPException, by status code. This is the one place where an unknown
 * throw becomes a response.
 */
export class ExceptionHandlers {
  // The defaults sit in the same table as user handlers, so a handler for
  // `Error` does not swallow HTTPExceptions (Starlette keeps them apart too).
  readonly #byClass = new Map<Function, ExceptionHandler>([[HTTPException, httpExceptionHandler]]);
  readonly #byStatus = new Map<number, ExceptionHandler>();

  constructor(validationStatus = 422) {
    this.#byClass.set(
      RequestValidationError,
      validationStatus === 422 ? requestValidationHandler : (_req: Request, error: RequestValidationError) => new JSONResponse({ detail: error.issues }, { status: validationStatus }),
    );
  }

  set(key: Class<unknown> | number, handler: ExceptionHandler): void {
    if (typeof key === 'number') this.#byStatus.set(key, handler);
    else this.#byClass.set(key, handler);
  }

  async render(request: Request, thrown: unknown, logger: Logger, route: string | undefined, onHandlerFailure?: (failure: unknown) => void): Promise<Response> {
    // A client that went away mid-body has nobody to read the answer, and is no server fault.
    if (thrown instanceof FastTsError && thrown.code === 'FASTTS_ERR_REQUEST_ABORTED') {
      logger.debug({ code: thrown.code, route, method: request.method, path: request.path, requestId: request.id }, thrown.message);
    }
    // fastts's own client errors (413, 400) answer as HTTPExceptions would.
    const error = thrown instanceof FastTsError && thrown.status < 500 ? asHttpException(thrown) : thrown;
    const handler = this.#find(error);
    if (handler === undefined) return unhandled(request, error, logger, route);
    try {
      const result = await handler(request, error);
      return result instanceof Response ? result : new JSONResponse(result);
    } catch (failure) {
      onHandlerFailure?.(failure);
      logger.error({ err: failure, cause: error, route, requestId: request.id }, 'exception handler failed');
      return INTERNAL_ERROR();
    }
  }

  /**
   * Whether `error` ends as a server error: no handler of its own, or the
   * handler for `Error` or status 500 (Starlette's ServerErrorMiddleware; a
   * test client re-throws these, as FastAPI's does).
   */
  isServerError(thrown: unknown): boolean {
    if (thrown instanceof FastTsError && thrown.status < 500) return false;
    const handler = this.#find(thrown);
    return handler === undefined || handler === this.#byStatus.get(500) || handler === this.#byClass.get(Error);
  }

  #find(error: unknown): ExceptionHandler | undefined {
    if (error instanceof HTTPException) {
      const byStatus = this.#byStatus.get(error.status);
      if (byStatus) return byStatus;
    }
    if (error !== null && typeof error === 'object') {
      for (let proto = Object.getPrototypeOf(error); proto !== null; proto = Object.getPrototypeOf(proto)) {
        const handler = this.#byClass.get(proto.constructor);
        if (handler) return handler;
      }
    }
    return this.#byStatus.get(500);
  }
}

function asHttpException(error: FastTsError): HTTPException {
  return new HTTPException(error.status, error.message, error.status === 413 ? { connection: 'close' } : undefined);
}

function unhandled(request: Request, error: unknown, logger: Logger, route: string | undefined): Response {
  logger.error({ err: error, route, method: request.method, path: request.path, requestId: request.id }, 'unhandled error');
  return INTERNAL_ERROR();
}
