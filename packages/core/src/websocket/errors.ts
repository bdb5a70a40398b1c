/**
 * The peer went away, or the server is shutting down: thrown by `receive*`
 * (and by `send*` once the connection is gone), with the close code and
 * reason the connection ended with (1006 when it ended without a close frame,
 * 1001 when `app.close()` drains). Starlette's `WebSocketDisconnect`.
 *
 * @example
 * ```ts
 * try { for (;;) await ws.sendText(await ws.receiveText()); }
 * catch (err) { if (!(err instanceof WebSocketDisconnect)) throw err; }
 * ```
 */
export class WebSocketDisconnect extends Error {
  readonly code: number;
  readonly reason: string;

  constructor(code = 1000, reason = '') {
    super(`WebSocket closed with code ${code}${reason ? `: ${reason}` : ''}`);
    this.name = 'WebSocketDisconnect';
    this.code = code;
    this.reason = reason;
  }
}

/**
 * Ends a WebSocket route with a close code (FastAPI's `WebSocketException`).
 * Thrown after `accept()`, the connection is closed with `code` and `reason`;
 * thrown before (in a dependency, typically), the handshake is refused with
 * HTTP 403, as uvicorn answers a close before accept: a refused handshake
 * carries no close code.
 *
 * @example
 * ```ts
 * if (!token) throw new WebSocketException(1008, 'token required');
 * ```
 */
export class WebSocketException extends Error {
  readonly code: number;
  readonly reason: string;

  constructor(code: number, reason = '') {
    super(reason || `WebSocket closed with code ${code}`);
    this.name = 'WebSocketException';
    this.code = code;
    this.reason = reason;
  }
}
