import { ServerResponse, validateHeaderName, validateHeaderValue, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Response } from '../http/response.js';
import { reasonPhrase } from '../internal/status.js';

/** Whether an upgrade request asks for a WebSocket (`Upgrade: websocket`, any case). */
export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return req.headers.upgrade?.toLowerCase() === 'websocket';
}

/**
 * Answers a handshake with an HTTP response instead of 101 and closes the
 * connection: Starlette's denial response (an HTTPException before accept),
 * or 403 for a close before accept, as uvicorn sends.
 */
export function refuseHandshake(socket: Duplex, status: number, detail: unknown = reasonPhrase(status), headers: Record<string, string> = {}): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ detail });
  let head = `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    // Raw bytes on the socket: node's own checks keep a header from smuggling another line in.
    try {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    } catch {
      continue;
    }
    head += `${name}: ${value}\r\n`;
  }
  socket.end(`${head}\r\n${body}`);
}

/**
 * An upgrade to something other than a WebSocket (`Upgrade: h2c` from
 * `curl --http2`), on a server that listens for upgrades: node hands it to
 * the upgrade listener, so it is answered here as the plain HTTP request it
 * also is, on a response bound to the socket by hand, then the connection closes.
 * A body cannot be read on this path (node's parser has let go of the
 * socket), so a request that declares one gets 400.
 */
export function serveAsHttp(req: IncomingMessage, socket: Duplex, handler: (req: IncomingMessage, res: ServerResponse) => void): void {
  const length = req.headers['content-length'];
  if (req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')) {
    refuseHandshake(socket, 400, 'a request with Upgrade cannot carry a body here');
    return;
  }
  socket.on('error', () => socket.destroy());
  // Nothing more will come through the parser: end the request's stream so handlers see an empty body.
  if (!req.complete) req.push(null);
  handler(req, responseOn(req, socket));
}

/**
 * Answers a handshake with a built-in middleware's Response instead of 101
 * (trustedHost's 400, httpsRedirect's 307), as Starlette sends a Response
 * on a websocket scope, then closes the connection.
 */
export function answerHandshake(req: IncomingMessage, socket: Duplex, response: Response): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  void response.writeTo(responseOn(req, socket), false);
}

/** A node response bound by hand to an upgrade's socket, which node's parser has let go of; the connection closes once it is written. */
function responseOn(req: IncomingMessage, socket: Duplex): ServerResponse {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as never);
  res.on('finish', () => {
    res.detachSocket(socket as never);
    socket.end();
  });
  return res;
}
