import type { IncomingHttpHeaders } from 'node:http';
import { WebSocketDisconnect } from '@fastts/core';
import { WebSocket as WsClient } from 'ws';

export interface WebSocketConnectOptions {
  /** Headers of the handshake request (an API key, a cookie). */
  headers?: Record<string, string>;
  /** Offered in `Sec-WebSocket-Protocol`; the server's choice is `session.subprotocol`. */
  subprotocols?: string[];
  /** Largest message this client receives. Default: ws's 100 MiB. */
  maxPayload?: number;
}

/** How a connection ended: the close code and reason the client received (1006 when no close frame came). */
export interface CloseInfo {
  code: number;
  reason: string;
}

/** The server answered the handshake with an HTTP response instead of 101. */
export class WebSocketHandshakeError extends Error {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;

  constructor(status: number, headers: IncomingHttpHeaders, body: Buffer) {
    super(`WebSocket handshake refused with HTTP ${status}`);
    this.name = 'WebSocketHandshakeError';
    this.status = status;
    this.headers = headers;
    this.body = body;
  }

  json<T = any>(): T {
    return JSON.parse(this.body.toString('utf8')) as T;
  }
}

/**
 * A WebSocket opened by a test client, over a real loopback socket (ws).
 * Receives throw the core's `WebSocketDisconnect` once the server has
 * closed, as Starlette's TestClient does.
 *
 * @example
 * ```ts
 * const ws = await client.websocket('/echo');
 * await ws.sendText('hi');
 * expect(await ws.receiveText()).toBe('hi');
 * expect(await ws.close()).toEqual({ code: 1000, reason: '' });
 * ```
 */
export class WebSocketSession {
  /** The raw ws client, for what this class does not wrap (pausing, pings). */
  readonly raw: WsClient;
  /** Resolves when the connection has ended, with the close code and reason received. */
  readonly closed: Promise<CloseInfo>;
  /** Headers of the server's 101 response. */
  readonly headers: IncomingHttpHeaders;
  readonly #queue: (string | Buffer)[] = [];
  #waiters: { resolve: (m: string | Buffer) => void; reject: (e: unknown) => void }[] = [];
  #end: CloseInfo | undefined;

  private constructor(raw: WsClient, headers: IncomingHttpHeaders) {
    this.raw = raw;
    this.headers = headers;
    raw.on('message', (data, isBinary) => {
      const message = isBinary ? (data as Buffer) : (data as Buffer).toString('utf8');
      const waiter = this.#waiters.shift();
      if (waiter) waiter.resolve(message);
      else this.#queue.push(message);
    });
    this.closed = new Promise((resolve) => {
      raw.on('close', (code, reason) => {
        this.#end = { code, reason: reason.toString('utf8') };
        for (const waiter of this.#waiters) waiter.reject(new WebSocketDisconnect(code, this.#end.reason));
        this.#waiters = [];
        resolve(this.#end);
      });
    });
    raw.on('error', () => {});
  }

  /** Opens a WebSocket to `url`; rejects with WebSocketHandshakeError when the server answers with HTTP. */
  static connect(url: string, options: WebSocketConnectOptions = {}): Promise<WebSocketSession> {
    return new Promise((resolve, reject) => {
      const raw = new WsClient(url, options.subprotocols ?? [], { headers: options.headers, maxPayload: options.maxPayload, perMessageDeflate: false });
      raw.once('upgrade', (res) => resolve(new WebSocketSession(raw, res.headers)));
      raw.once('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => reject(new WebSocketHandshakeError(res.statusCode ?? 0, res.headers, Buffer.concat(chunks))));
        res.on('error', reject);
      });
      raw.once('error', reject);
    });
  }

  /** The subprotocol the server accepted with ('' for none). */
  get subprotocol(): string {
    return this.raw.protocol;
  }

  receive(): Promise<string | Buffer> {
    if (this.#queue.length > 0) return Promise.resolve(this.#queue.shift()!);
    if (this.#end) return Promise.reject(new WebSocketDisconnect(this.#end.code, this.#end.reason));
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  async receiveText(): Promise<string> {
    const message = await this.receive();
    if (typeof message !== 'string') throw new TypeError('expected a text message, received a binary one');
    return message;
  }

  async receiveBytes(): Promise<Buffer> {
    const message = await this.receive();
    if (typeof message === 'string') throw new TypeError('expected a binary message, received a text one');
    return message;
  }

  async receiveJson<T = any>(): Promise<T> {
    const message = await this.receive();
    return JSON.parse(typeof message === 'string' ? message : message.toString('utf8')) as T;
  }

  sendText(text: string): Promise<void> {
    return this.#send(text, false);
  }

  sendBytes(data: Uint8Array): Promise<void> {
    return this.#send(data, true);
  }

  sendJson(value: unknown): Promise<void> {
    return this.#send(JSON.stringify(value), false);
  }

  /** Closes from the client side; resolves with how the connection ended. */
  close(code = 1000, reason = ''): Promise<CloseInfo> {
    if (this.raw.readyState === WsClient.OPEN) this.raw.close(code, reason);
    return this.closed;
  }

  #send(data: string | Uint8Array, binary: boolean): Promise<void> {
    return new Promise((resolve, reject) => this.raw.send(data, { binary }, (err) => (err ? reject(err) : resolve())));
  }
}
