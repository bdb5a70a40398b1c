import { reasonPhrase } from '../internal/status.js';

/**
 * Ends the request with `status` and a JSON body `{"detail": detail}`.
 *
 * @example
 * ```ts
 * if (!item) throw new HTTPException(404, 'Item not found');
 * throw new HTTPException(400, { code: 7 }, { 'x-error': 'bad' });
 * ```
 */
export class HTTPException extends Error {
  readonly status: number;
  readonly detail: unknown;
  readonly headers: Record<string, string> | undefined;

  constructor(status: number, detail?: unknown, headers?: Record<string, string>) {
    const text = detail === undefined ? reasonPhrase(status) : detail;
    super(typeof text === 'string' ? text : JSON.stringify(text));
    this.name = 'HTTPException';
    this.status = status;
    this.detail = text;
    this.headers = headers;
  }
}
