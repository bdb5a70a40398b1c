import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type * as Ws from 'ws';
import type { WebSocket as RawSocket, WebSocketServer } from 'ws';
import type { App } from '../app.js';
import type { RouteInfo } from '../compile.js';
import { FAILED, NO_ERROR, runCleanups, solve } from '../di/solve.js';
import { HTTPException } from '../errors/http-exception.js';
import { RequestValidationError } from '../errors/validation-error.js';
import type { Request } from '../http/request.js';
import type { Response } from '../http/response.js';
import { lazy } from '../internal/lazy.js';
import type { HandshakeGuard } from '../middleware/chain.js';
import type { BackgroundSupervisor, Tracked } from '../pipeline/supervisor.js';
import type { WebSocketRoutes } from './compile.js';
import { WebSocketContext } from './context.js';
import { WebSocketDisconnect, WebSocketException } from './errors.js';
import { answerHandshake, isWebSocketUpgrade, refuseHandshake, serveAsHttp } from './handshake.js';
import { WebSocket, type AcceptOptions, type WebSocketControl, type WebSocketSession } from './websocket.js';

/** The app's `websocket` option. */
export interface WebSocketLimits {
  /** Largest message received; a larger one closes the connection with 1009. Default 1 MiB, as `bodyLimit`. */
  maxMessageBytes: number;
  /**
   * Bytes waiting to be written above which `send*` waits for the socket to
   * drain, and received bytes not yet read above which the socket stops
   * reading. Default 1 MiB.
   */
  maxBufferedBytes: number;
  /** How often an idle peer is pinged; 0 for never. Default 20 s (uvicorn's `ws_ping_interval`). */
  pingIntervalMs: number;
  /** A peer that has not answered a ping within this is cut off (close code 1006 for the handler). Default 20 s. */
  pingTimeoutMs: number;
}

export const defaultWebSocketLimits: WebSocketLimits = Object.freeze({
  maxMessageBytes: 1024 * 1024,
  maxBufferedBytes: 1024 * 1024,
  pingIntervalMs: 20_000,
  pingTimeoutMs: 20_000,
});

/** What an upgrade needs from the app, compiled and ready. */
export interface UpgradeTarget {
  routes: WebSocketRoutes | undefined;
  /** The app's Request class (see http/app-request.ts). */
  Request: typeof Request;
  app: App;
  /** For upgrades that are not WebSockets. */
  http: (req: IncomingMessage, res: ServerResponse) => void;
  /** The app's trustedHost() and httpsRedirect(), if it uses them (see middleware/chain.ts). */
  guard: HandshakeGuard | undefined;
}

// Loaded with the first WebSocket handshake: an app without WebSocket routes never loads ws.
const loadWs = lazy<typeof Ws>('ws');

/**
 * The app's WebSocket connections: it answers upgrades on WebSocket routes
 * (solve the route's plan, run the handler, refuse or close as it ends, run
 * the cleanups), pings idle peers, and closes every socket with 1001 when
 * the app drains.
 */
export class WebSocketHub {
  readonly #supervisor: BackgroundSupervisor;
  readonly #limits: WebSocketLimits;
  readonly #jsonDepthLimit: number;
  readonly #connections = new Set<Connection>();
  #server: WebSocketServer | undefined;
  #timer: NodeJS.Timeout | undefined;
  #draining = false;
  /** What `accept()` asked for, read by ws's hooks during `handleUpgrade`. */
  readonly #accepting = new WeakMap<IncomingMessage, AcceptOptions>();

  constructor(supervisor: BackgroundSupervisor, limits: WebSocketLimits, jsonDepthLimit: number) {
    this.#supervisor = supervisor;
    this.#limits = limits;
    this.#jsonDepthLimit = jsonDepthLimit;
  }

  /** Connections whose handler has not finished. */
  get size(): number {
    return this.#connections.size;
  }

  handle(target: UpgradeTarget, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!isWebSocketUpgrade(req)) return serveAsHttp(req, socket, target.http);
    // Until accept() hands the socket to ws, a reset must not become an uncaught 'error'.
    socket.on('error', () => socket.destroy());
    if (req.method !== 'GET') return refuseHandshake(socket, 405);
    const request = new target.Request(req, undefined);
    // Before routing, as Starlette's TrustedHost and HTTPSRedirect middleware see a websocket scope; an app without them tests one field.
    if (target.guard !== undefined && this.#guarded(target.guard, request, req, socket)) return;
    const match = target.routes?.router.find('GET', request.path);
    // Starlette closes a WebSocket that matches no route before accept: 403.
    if (match === undefined || match.kind !== 'found') return refuseHandshake(socket, 403);
    if (this.#draining) return refuseHandshake(socket, 503);
    request.pathParams = match.params;
    const route = match.value;
    const connection = new Connection(this, route.label, req, socket, head);
    const websocket = new WebSocket(request, connection);
    const ctx = new WebSocketContext(request, route.label, websocket);
    ctx.app = target.app;
    this.#connections.add(connection);
    socket.once('close', () => connection.socketClosed());
    void this.#run(connection, websocket, route, ctx);
  }

  /** Runs the handshake guards; true when one answered the handshake (a refusal, a redirect, or a Host that makes no URL). */
  #guarded(guard: HandshakeGuard, request: Request, req: IncomingMessage, socket: Duplex): boolean {
    let answer: Response | undefined;
    try {
      answer = guard(request);
    } catch (err) {
      // `request.url` throws a 400 for a Host that makes no URL, as it does on the HTTP path.
      if (err instanceof HTTPException) {
        refuseHandshake(socket, err.status, err.detail, err.headers);
      } else {
        this.#supervisor.logError(err, {}, 'WebSocket handshake guard failed');
        refuseHandshake(socket, 500);
      }
      return true;
    }
    if (answer === undefined) return false;
    answerHandshake(req, socket, answer);
    return true;
  }

  /** Tells every handler that the server is going away (their receives throw WebSocketDisconnect(1001)) and closes the sockets with 1001. */
  drain(): void {
    this.#draining = true;
    for (const connection of this.#connections) {
      connection.track();
      connection.control.disconnect(1001, 'Server shutting down');
    }
  }

  async #run(connection: Connection, websocket: WebSocket, route: RouteInfo, ctx: WebSocketContext): Promise<void> {
    let error: unknown = NO_ERROR;
    try {
      const result = await solve(route.plan, ctx);
      if (result === FAILED) error = new RequestValidationError(ctx.issues ?? []);
    } catch (err) {
      error = err;
    }
    try {
      this.#conclude(connection, websocket, error);
      const left = await runCleanups(ctx, error, false);
      if (left !== NO_ERROR && left !== error) this.#supervisor.logError(left, { route: route.label }, 'WebSocket dependency cleanup failed');
    } catch (err) {
      this.#supervisor.logError(err, { route: route.label }, 'WebSocket route failed to end');
    } finally {
      this.#connections.delete(connection);
      connection.finished();
    }
  }

  /** Answers or closes the connection according to how the handler ended. */
  #conclude(connection: Connection, websocket: WebSocket, error: unknown): void {
    const route = connection.label;
    if (!connection.answered) {
      connection.answered = true;
      const socket = connection.socket;
      if (error === NO_ERROR) {
        // uvicorn answers 500 when the app returns without accepting or closing.
        this.#supervisor.logger.warn({ route }, `WebSocket route ${route} returned without accept() or close(): the handshake is refused with 500`);
        refuseHandshake(socket, 500);
      } else if (error instanceof HTTPException) {
        refuseHandshake(socket, error.status, error.detail, error.headers);
      } else if (error instanceof WebSocketException || error instanceof RequestValidationError) {
        refuseHandshake(socket, 403);
      } else if (error instanceof WebSocketDisconnect) {
        // The client left before the handshake was answered, or the app is draining.
        refuseHandshake(socket, 503);
      } else {
        this.#supervisor.logError(error, { route }, 'WebSocket handshake failed');
        refuseHandshake(socket, 500);
      }
      return;
    }
    if (error === NO_ERROR || error instanceof WebSocketDisconnect) {
      void websocket.close(1000);
    } else if (error instanceof WebSocketException) {
      void websocket.close(error.code, error.reason);
    } else if (error instanceof RequestValidationError) {
      // receiveJson on a message that is not JSON: 1007, invalid data in a message (RFC 6455 section 7.4.1).
      void websocket.close(1007, 'invalid JSON');
    } else if (websocket.state === 'open' || websocket.state === 'closing') {
      this.#supervisor.logError(error, { route }, 'WebSocket handler failed');
      void websocket.close(1011);
    }
  }

  /** Completes a handshake with ws: the route's subprotocol and headers go in the 101 response. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, options: AcceptOptions): Promise<RawSocket> {
    const server = (this.#server ??= this.#createServer());
    return new Promise((resolve, reject) => {
      if (socket.destroyed) return reject(new WebSocketDisconnect(1006));
      const gone = () => reject(new WebSocketDisconnect(1006));
      // ws answers a malformed handshake (a bad key or version) itself and never calls back: the close settles it.
      socket.once('close', gone);
      this.#accepting.set(req, options);
      server.handleUpgrade(req, socket, head, (raw) => {
        socket.off('close', gone);
        this.#accepting.delete(req);
        resolve(raw);
      });
    });
  }

  #createServer(): WebSocketServer {
    const { WebSocketServer } = loadWs();
    const server = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: this.#limits.maxMessageBytes,
      perMessageDeflate: false,
      handleProtocols: (_offered, req) => this.#accepting.get(req)?.subprotocol ?? false,
    });
    server.on('headers', (headers, req) => {
      const extra = this.#accepting.get(req)?.headers;
      if (extra) for (const [name, value] of Object.entries(extra)) headers.push(`${name}: ${value}`);
    });
    return server;
  }

  /** Pings run on one timer for every connection, started with the first accepted one. */
  startPings(): void {
    if (this.#timer !== undefined || this.#limits.pingIntervalMs <= 0) return;
    const period = Math.max(10, Math.min(this.#limits.pingIntervalMs, this.#limits.pingTimeoutMs) / 4);
    this.#timer = setInterval(() => this.#ping(), period);
    this.#timer.unref();
  }

  #ping(): void {
    const now = Date.now();
    let open = 0;
    for (const connection of this.#connections) {
      const raw = connection.raw;
      if (raw === undefined || raw.readyState !== 1) continue;
      open++;
      if (connection.pingSentAt > 0) {
        // Cut off without a close frame: a dead peer would never answer one (ws would wait 30 s for it).
        if (now - connection.pingSentAt >= this.#limits.pingTimeoutMs) connection.control.disconnect(1006, 'ping timeout');
      } else if (now - connection.lastPingAt >= this.#limits.pingIntervalMs) {
        connection.pingSentAt = connection.lastPingAt = now;
        raw.ping();
      }
    }
    if (open === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  get supervisor(): BackgroundSupervisor {
    return this.#supervisor;
  }

  get limits(): WebSocketLimits {
    return this.#limits;
  }

  get jsonDepthLimit(): number {
    return this.#jsonDepthLimit;
  }
}

/** One connection as the hub sees it: the WebSocket's session, and work `close()` waits for once it ends. */
class Connection implements WebSocketSession, Tracked {
  readonly label: string;
  readonly socket: Duplex;
  readonly #hub: WebSocketHub;
  readonly #req: IncomingMessage;
  readonly #head: Buffer;
  control!: WebSocketControl;
  raw: RawSocket | undefined;
  /** The handshake has been answered: upgraded, or refused. */
  answered = false;
  pingSentAt = 0;
  lastPingAt = 0;
  #tracked = false;
  #finished = false;

  constructor(hub: WebSocketHub, label: string, req: IncomingMessage, socket: Duplex, head: Buffer) {
    this.#hub = hub;
    this.label = label;
    this.#req = req;
    this.socket = socket;
    this.#head = head;
  }

  get maxBufferedBytes(): number {
    return this.#hub.limits.maxBufferedBytes;
  }

  get jsonDepthLimit(): number {
    return this.#hub.jsonDepthLimit;
  }

  bind(control: WebSocketControl): void {
    this.control = control;
  }

  async upgrade(options: AcceptOptions): Promise<RawSocket> {
    const raw = await this.#hub.upgrade(this.#req, this.socket, this.#head, options);
    this.answered = true;
    this.raw = raw;
    this.lastPingAt = Date.now();
    raw.on('pong', () => (this.pingSentAt = 0));
    this.#hub.startPings();
    return raw;
  }

  refuse(): void {
    if (this.answered) return;
    this.answered = true;
    refuseHandshake(this.socket, 403);
  }

  /** The TCP connection is gone: a handler still before accept hears it; `close()` and `backgroundIdle()` wait for the handler and cleanups. */
  socketClosed(): void {
    if (this.#finished) return;
    if (this.raw === undefined) this.control.disconnect(1006, '');
    this.track();
  }

  track(): void {
    if (this.#tracked || this.#finished) return;
    this.#tracked = true;
    this.#hub.supervisor.begin(this);
  }

  finished(): void {
    this.#finished = true;
    if (this.#tracked) this.#hub.supervisor.end(this);
  }

  pendingNames(): string[] {
    return [`websocket ${this.label}`];
  }

  /** At the drain deadline: cut the connection (ws would wait 30 s for a close frame). */
  abort(): void {
    if (this.raw !== undefined) this.raw.terminate();
    else this.socket.destroy();
  }
}
