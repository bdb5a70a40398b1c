import type { IncomingHttpHeaders } from 'node:http';
import type { WebSocket as RawSocket } from 'ws';
import { FastTsError } from '../errors/codes.js';
import type { QueryParams, Request } from '../http/request.js';
import type { Session } from '../http/session.js';
import type { PathParams } from '../router/reverse.js';
import { parseJson } from '../pipeline/body.js';
import { WebSocketDisconnect } from './errors.js';

export type WebSocketState = 'connecting' | 'open' | 'closing' | 'closed';

export interface AcceptOptions {
  /** The subprotocol chosen among those the client offered (`Sec-WebSocket-Protocol`). */
  subprotocol?: string;
  /** Extra headers for the 101 response. */
  headers?: Record<string, string>;
}

/** What the server that received the handshake does for the WebSocket (see hub.ts). */
export interface WebSocketSession {
  /** Above this many bytes queued (to send or not yet received), senders wait and reading pauses. */
  readonly maxBufferedBytes: number;
  /** The deepest JSON nesting `receiveJson` accepts (the app's `jsonDepthLimit`). */
  readonly jsonDepthLimit: number;
  /** Completes the handshake; rejects with WebSocketDisconnect when the client left first. */
  upgrade(options: AcceptOptions): Promise<RawSocket>;
  /** Answers the handshake with HTTP 403 instead (a close before accept). */
  refuse(): void;
  /** Called once by the WebSocket with the hooks the server drives it with. */
  bind(control: WebSocketControl): void;
}

/** How the server tells a WebSocket that it is over: the client left before accept, or the app drains. */
export interface WebSocketControl {
  disconnect(code: number, reason: string): void;
}

/**
 * A receive waiting for a message: `take` turns the message into what the
 * caller gets (a type check, a JSON parse, an iterator result) as soon as it
 * arrives, so a receive costs one promise, not a chain of them. An iterator's
 * receive ends (done) on a disconnect instead of failing.
 */
type Waiter = { take: (message: string | Buffer) => unknown; resolve: (value: any) => void; reject: (error: unknown) => void; iterating: boolean };

/** `ws.closed`, made on first use. */
type Closed = { promise: Promise<WebSocketDisconnect>; resolve: (gone: WebSocketDisconnect) => void; reject: (error: unknown) => void };

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

const RESOLVED = Promise.resolve();
/** Messages held for a handler that does not read: past this, the socket stops reading. */
const MAX_QUEUED_MESSAGES = 64;

/**
 * One WebSocket connection, injected into a `@WebSocketRoute` handler by its
 * type (as `Request` is). Its dependencies have been solved when the handler
 * runs; the handshake is answered by `accept()`, or refused by a throw or a
 * `close()` before it.
 *
 * Sending never buffers without bound: when more than the app's
 * `websocket.maxBufferedBytes` wait to be written, `send*` resolves only once
 * the message is written, so a handler that awaits its sends runs at the
 * pace of a slow reader. Likewise a handler that does not read makes the
 * socket stop reading, and TCP slows the client down.
 *
 * @example
 * ```ts
 * @WebSocketRoute('/echo')
 * async echo(ws: WebSocket) {
 *   await ws.accept();
 *   for await (const text of ws.iterText()) await ws.sendText(text);
 * }
 * ```
 */
export class WebSocket {
  /** The handshake, as dependencies saw it (path, query, headers, cookies, `state` storage). */
  readonly request: Request;
  readonly #session: WebSocketSession;
  #state: WebSocketState = 'connecting';
  #socket: RawSocket | undefined;
  #url: URL | undefined;
  #subprotocol: string | undefined;
  readonly #queue: (string | Buffer)[] = [];
  #queuedBytes = 0;
  #waiters: Waiter[] = [];
  /** Set once receiving is over: what receive* (and send*) throw from then on. */
  #gone: WebSocketDisconnect | undefined;
  readonly #pendingSends = new Set<(error: unknown) => void>();
  /** Set by onMessage/onText/onBytes: messages go to it as they arrive, not to the queue. */
  #listener: ((message: string | Buffer) => unknown) | undefined;
  #closed: Closed | undefined;
  #listenerFailed = false;

  constructor(request: Request, session: WebSocketSession) {
    this.request = request;
    this.#session = session;
    session.bind({ disconnect: (code, reason) => this.#disconnected(code, reason) });
  }

  /** `connecting` until `accept()`, `closing` once a close has started, `closed` when the connection is gone. */
  get state(): WebSocketState {
    return this.#state;
  }

  /** The URL the client connected to, with a `ws:` or `wss:` scheme. */
  get url(): URL {
    if (this.#url === undefined) {
      const url = new URL(this.request.url);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      this.#url = url;
    }
    return this.#url;
  }

  /** `request.urlFor`: the absolute URL of a named route (`ws:`/`wss:` for a WebSocket route, `http:`/`https:` for others). */
  urlFor(name: string, params: PathParams = {}): string {
    return this.request.urlFor(name, params);
  }

  get headers(): IncomingHttpHeaders {
    return this.request.headers;
  }

  get query(): QueryParams {
    return this.request.query;
  }

  get cookies(): Record<string, string | undefined> {
    return this.request.cookies;
  }

  get pathParams(): Record<string, string> {
    return this.request.pathParams;
  }

  /** The session of the handshake's cookie (`sessions()`), read-only: a change could never reach the client. */
  get session(): Readonly<Session> {
    return this.request.session;
  }

  get client(): { host: string | undefined; port: number | undefined } {
    return this.request.client;
  }

  /** The subprotocol given to `accept()`, if any. */
  get subprotocol(): string | undefined {
    return this.#subprotocol;
  }

  /** Bytes given to `send*` and not yet written to the socket. */
  get bufferedAmount(): number {
    return this.#socket?.bufferedAmount ?? 0;
  }

  /**
   * Answers the handshake with 101 Switching Protocols. Rejects with
   * WebSocketDisconnect when the client has gone already.
   */
  async accept(options: AcceptOptions = {}): Promise<void> {
    if (this.#gone !== undefined) throw this.#gone;
    if (this.#state !== 'connecting') throw new FastTsError('FASTTS_ERR_WEBSOCKET_STATE', 'accept', this.#state);
    const socket = await this.#session.upgrade(options);
    this.#socket = socket;
    this.#subprotocol = options.subprotocol;
    this.#state = 'open';
    socket.on('message', (data, isBinary) => this.#received(isBinary ? (data as Buffer) : (data as Buffer).toString('utf8')));
    socket.on('close', (code, reason) => this.#disconnected(code, reason.toString('utf8')));
    // A protocol error (an oversize message): ws has sent its close frame and stopped reading, so the
    // peer's answer never arrives and 'close' would say 1006. The handler hears the code sent.
    socket.on('error', (err: Error & { code?: string }) => this.#disconnected(closeCodeOf(err), ''));
    // The app started draining while the handshake completed: close at once with its code.
    // (Set by the server while this method awaited; TypeScript's narrowing does not know.)
    const gone = this.#gone as WebSocketDisconnect | undefined;
    if (gone !== undefined) {
      this.#state = 'closing';
      this.#closeSocket(gone.code, gone.reason);
    }
  }

  /** The next message, text or bytes. */
  receive(): Promise<string | Buffer> {
    return this.#take(asIs, false);
  }

  receiveText(): Promise<string> {
    return this.#take(asText, false);
  }

  receiveBytes(): Promise<Buffer> {
    return this.#take(asBytes, false);
  }

  /** The next message (text or bytes) parsed as JSON, with the limits of a JSON body (`__proto__` keys dropped, nesting bounded). */
  receiveJson<T = unknown>(): Promise<T> {
    return this.#take(this.#asJson, false) as Promise<T>;
  }

  /** Text messages until the connection closes (the loop ends then, without an error). */
  iterText(): AsyncIterableIterator<string> {
    return this.#iterate(textStep);
  }

  iterBytes(): AsyncIterableIterator<Buffer> {
    return this.#iterate(bytesStep);
  }

  iterJson<T = unknown>(): AsyncIterableIterator<T> {
    const asJson = this.#asJson;
    return this.#iterate((message) => ({ value: asJson(message) as T, done: false }));
  }

  /**
   * Calls `listener` with each message as it arrives, instead of a receive
   * loop; then `await ws.closed` keeps the handler (and its dependencies) for
   * as long as the connection lasts. No promise is made per message, so this
   * is the cheapest way to handle many small messages. A listener that throws
   * (or whose promise rejects) makes `closed` reject with its error, which ends
   * the handler as a thrown error would (1011, or a WebSocketException's code).
   * While a send waits on a slow reader, reading stops.
   *
   * @example
   * ```ts
   * await ws.accept();
   * ws.onText((text) => ws.sendText(text));
   * await ws.closed;
   * ```
   */
  onMessage(listener: (message: string | Buffer) => unknown): void {
    if (this.#state === 'connecting') throw new FastTsError('FASTTS_ERR_WEBSOCKET_STATE', 'onMessage', 'not accepted yet');
    if (this.#listener !== undefined || this.#waiters.length > 0) throw new FastTsError('FASTTS_ERR_WEBSOCKET_STATE', 'onMessage', 'messages are already being received');
    this.#listener = listener;
    this.#closedState();
    // Messages that came before the listener, in order.
    this.#drainToListener();
  }

  /** Hands queued messages to the listener while none of its sends waits on the reader. */
  #drainToListener(): void {
    while (this.#queue.length > 0 && this.#pendingSends.size === 0 && !this.#listenerFailed) this.#dispatch(this.#shift());
  }

  onText(listener: (text: string) => unknown): void {
    this.onMessage((message) => listener(asText(message)));
  }

  onBytes(listener: (data: Buffer) => unknown): void {
    this.onMessage((message) => listener(asBytes(message)));
  }

  /** Resolves with the WebSocketDisconnect once the connection is over; rejects with the error of a message listener that failed. */
  get closed(): Promise<WebSocketDisconnect> {
    return this.#closedState().promise;
  }

  #closedState(): Closed {
    if (this.#closed === undefined) {
      let resolve!: (gone: WebSocketDisconnect) => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<WebSocketDisconnect>((yes, no) => {
        resolve = yes;
        reject = no;
      });
      // A failure nobody awaits is not an unhandled rejection: the handler has ended, and the socket with it.
      promise.catch(() => {});
      this.#closed = { promise, resolve, reject };
      if (this.#gone !== undefined) resolve(this.#gone);
    }
    return this.#closed;
  }

  #dispatch(message: string | Buffer): void {
    let result: unknown;
    try {
      result = this.#listener!(message);
    } catch (err) {
      return this.#failListener(err);
    }
    // sendText's usual answer, shared: nothing to watch.
    if (result !== RESOLVED && typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
      (result as PromiseLike<unknown>).then(undefined, (err: unknown) => this.#failListener(err));
    }
  }

  #failListener(error: unknown): void {
    if (this.#listenerFailed) return;
    // Later messages are dropped; reading goes on, since the close handshake needs it.
    this.#listenerFailed = true;
    this.#closedState().reject(error);
  }

  readonly #asJson = (message: string | Buffer): unknown => parseJson(typeof message === 'string' ? Buffer.from(message) : message, this.#session.jsonDepthLimit);

  /**
   * An iterator written by hand rather than an async generator: each message
   * costs the one promise its receive makes. On the echo benchmark
   * (benchmarks/results/realtime.md) the generator and the async receive*
   * under it were about a fifth of fastts's CPU per message.
   */
  #iterate<T>(step: (message: string | Buffer) => IteratorResult<T, undefined>): AsyncIterableIterator<T> {
    let finished = false;
    const iterator: AsyncIterableIterator<T> = {
      next: () => (finished ? Promise.resolve(DONE) : (this.#take(step, true) as Promise<IteratorResult<T, undefined>>)),
      // A `break` out of `for await`: later calls are done; the connection stays as it is.
      return: () => {
        finished = true;
        return Promise.resolve(DONE);
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  #take<T>(take: (message: string | Buffer) => T, iterating: boolean): Promise<T> {
    if (this.#state === 'connecting') return Promise.reject(new FastTsError('FASTTS_ERR_WEBSOCKET_STATE', 'receive', 'not accepted yet'));
    if (this.#listener !== undefined) return Promise.reject(new FastTsError('FASTTS_ERR_WEBSOCKET_STATE', 'receive', 'a message listener is set'));
    if (this.#queue.length > 0) {
      try {
        return Promise.resolve(take(this.#shift()));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    const gone = this.#gone;
    if (gone !== undefined) return iterating && gone instanceof WebSocketDisconnect ? (Promise.resolve(DONE) as Promise<T>) : Promise.reject(gone);
    if (this.#state !== 'open') return Promise.reject(new FastTsError('FASTTS_ERR_WEBSOCKET_STATE', 'receive', this.#state));
    return new Promise((resolve, reject) => this.#waiters.push({ take, resolve, reject, iterating }));
  }

  sendText(text: string): Promise<void> {
    return this.#send(String(text), false);
  }

  sendBytes(data: Uint8Array): Promise<void> {
    return this.#send(data, true);
  }

  /** Sends `JSON.stringify(value)` as a text message. */
  sendJson(value: unknown): Promise<void> {
    const text = JSON.stringify(value);
    if (text === undefined) return Promise.reject(new TypeError(`sendJson: ${typeof value} has no JSON form`));
    return this.#send(text, false);
  }

  /**
   * Closes the connection with `code` and `reason` (at most 123 bytes), or,
   * before `accept()`, refuses the handshake with HTTP 403. Resolves once the
   * close frame is queued; closing twice does nothing.
   */
  close(code = 1000, reason = ''): Promise<void> {
    if (this.#state === 'connecting') {
      this.#state = 'closed';
      this.#gone ??= new WebSocketDisconnect(code, reason);
      this.#session.refuse();
      return RESOLVED;
    }
    if (this.#state === 'open') {
      this.#state = 'closing';
      this.#closeSocket(code, reason);
    }
    return RESOLVED;
  }

  #send(data: string | Uint8Array, binary: boolean): Promise<void> {
    const socket = this.#socket;
    if (this.#gone !== undefined) return Promise.reject(this.#gone);
    if (this.#state !== 'open' || socket === undefined) return Promise.reject(new FastTsError('FASTTS_ERR_WEBSOCKET_STATE', 'send', this.#state === 'connecting' ? 'not accepted yet' : this.#state));
    // The common case: little is waiting to be written, so the caller goes on at once.
    if (socket.bufferedAmount < this.#session.maxBufferedBytes) {
      socket.send(data, { binary });
      return RESOLVED;
    }
    // A slow reader: resolve once this message is written, so the queue ahead of it has drained.
    return new Promise((resolve, reject) => {
      const fail = (error: unknown) => {
        this.#pendingSends.delete(fail);
        reject(error);
      };
      this.#pendingSends.add(fail);
      socket.send(data, { binary }, (err) => {
        if (!this.#pendingSends.delete(fail)) return;
        if (err) reject(this.#gone ?? new WebSocketDisconnect(1006));
        else resolve();
        // A listener does not await its sends: the messages held meanwhile go to it now.
        if (this.#listener !== undefined) this.#drainToListener();
      });
    });
  }

  #received(message: string | Buffer): void {
    if (this.#listener !== undefined) {
      if (this.#listenerFailed) return;
      // While a send waits on a slow reader, messages wait too (and reading stops, below), as a receive loop would.
      if (this.#pendingSends.size === 0 && this.#queue.length === 0) return this.#dispatch(message);
    } else {
      const waiter = this.#waiters.shift();
      if (waiter !== undefined) {
        let value: unknown;
        try {
          value = waiter.take(message);
        } catch (err) {
          return waiter.reject(err);
        }
        return waiter.resolve(value);
      }
    }
    this.#queue.push(message);
    this.#queuedBytes += message.length;
    // A handler that does not read: stop reading the socket rather than hold its messages without bound.
    if (this.#queue.length >= MAX_QUEUED_MESSAGES || this.#queuedBytes >= this.#session.maxBufferedBytes) this.#socket?.pause();
  }

  #shift(): string | Buffer {
    const message = this.#queue.shift()!;
    this.#queuedBytes -= message.length;
    const socket = this.#socket;
    if (socket?.isPaused && this.#queue.length < MAX_QUEUED_MESSAGES / 2 && this.#queuedBytes < this.#session.maxBufferedBytes / 2) socket.resume();
    return message;
  }

  /** The connection is over for the handler: pending and later receives throw WebSocketDisconnect(code). */
  #disconnected(code: number, reason: string): void {
    if (this.#gone === undefined) {
      this.#gone = new WebSocketDisconnect(code, reason);
      // Messages still queued are dropped only on a server shutdown, so the handler hears of it at once.
      if (code === 1001 && this.#state === 'open') this.#queue.length = this.#queuedBytes = 0;
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const waiter of waiters) {
        if (waiter.iterating) waiter.resolve(DONE);
        else waiter.reject(this.#gone);
      }
      for (const fail of [...this.#pendingSends]) fail(this.#gone);
      this.#closed?.resolve(this.#gone);
    }
    if (this.#state === 'open') {
      this.#state = 'closing';
      this.#closeSocket(code, reason);
    }
    if (this.#socket !== undefined && this.#socket.readyState === 3) this.#state = 'closed';
  }

  #closeSocket(code: number, reason: string): void {
    const socket = this.#socket!;
    socket.once('close', () => (this.#state = 'closed'));
    // 1005 and 1006 are never sent in a close frame (RFC 6455 section 7.4.1): the socket just ends.
    if (code === 1005 || code === 1006 || socket.readyState !== 1) socket.terminate();
    else socket.close(code, reason);
  }
}

const asIs = (message: string | Buffer): string | Buffer => message;

function asText(message: string | Buffer): string {
  if (typeof message !== 'string') throw new FastTsError('FASTTS_ERR_WEBSOCKET_MESSAGE', 'text', 'binary');
  return message;
}

function asBytes(message: string | Buffer): Buffer {
  if (typeof message === 'string') throw new FastTsError('FASTTS_ERR_WEBSOCKET_MESSAGE', 'binary', 'text');
  return message;
}

const textStep = (message: string | Buffer): IteratorResult<string, undefined> => ({ value: asText(message), done: false });
const bytesStep = (message: string | Buffer): IteratorResult<Buffer, undefined> => ({ value: asBytes(message), done: false });

/** The close code ws sends for a protocol error (RFC 6455 section 7.4.1). */
function closeCodeOf(error: { code?: string }): number {
  if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return 1009;
  if (error.code === 'WS_ERR_INVALID_UTF8') return 1007;
  return 1002;
}
