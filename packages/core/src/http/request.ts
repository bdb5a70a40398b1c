import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import type * as Cookie from 'cookie';
import type { App } from '../app.js';
import { FastTsError } from '../errors/codes.js';
import { DEFAULT_JSON_DEPTH, parseJson } from '../pipeline/body.js';
import { requireCjs } from '../internal/lazy.js';
import { childLogger, silentLogger, type Logger } from '../logger.js';
import { HTTPException } from '../errors/http-exception.js';
import { clientAddress, forwarded, type Trust } from './proxy.js';
import type { PathParams, UrlPath } from '../router/reverse.js';
import { kSession, type Session, type WithSession } from './session.js';

const { parse: parseCookies } = requireCjs('cookie') as typeof Cookie;

export type QueryParams = Record<string, string | string[] | undefined>;

const NO_PATH_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

let abortOf: (request: Request) => void;

/**
 * The incoming request, as handlers and dependencies see it. Everything that
 * costs something (query, cookies, URL, body, abort signal) is computed on
 * first use, so a handler pays only for what it reads.
 */
export class Request {
  readonly raw: IncomingMessage;
  readonly method: string;
  /** The path without the query string, still percent-encoded. */
  readonly path: string;
  /** Values of the route template's parameters, as matched (decoded strings). */
  pathParams: Record<string, string>;
  /**
   * The app that dispatched this request (its `state` is shared by every
   * request). Set on the prototype of the app's own Request class, so it is
   * undefined on a Request built by hand.
   */
  declare readonly app: App;
  /** The app's compiled `trustProxy`, on the same prototype; undefined when no proxy is trusted. */
  declare readonly trustProxy: Trust | undefined;
  /** The app's `trustRequestId`, on the same prototype; undefined (a Request built by hand): trusted. */
  declare readonly trustRequestId: boolean | ((request: Request) => boolean) | undefined;
  /** `urlFor`'s lookup in the outermost app, on the same prototype; undefined on a Request built by hand. */
  declare readonly urlPathFromRoot: ((name: string, params: PathParams) => UrlPath) | undefined;
  readonly #res: ServerResponse | undefined;
  readonly #search: string;
  readonly #bodyLimit: number;
  readonly #jsonDepthLimit: number;
  #query: QueryParams | undefined;
  #cookies: Record<string, string | undefined> | undefined;
  #url: URL | undefined;
  #id: string | undefined;
  #body: Promise<Buffer> | undefined;
  #abort: AbortController | undefined;
  #state: Record<string, unknown> | undefined;
  #log: Logger | undefined;

  static {
    abortOf = (request) => (request.#abort ??= new AbortController()).abort();
  }

  constructor(
    raw: IncomingMessage,
    res?: ServerResponse,
    pathParams: Record<string, string> = NO_PATH_PARAMS,
    bodyLimit = 1024 * 1024,
    jsonDepthLimit = DEFAULT_JSON_DEPTH,
  ) {
    this.raw = raw;
    this.#res = res;
    this.method = raw.method ?? 'GET';
    const url = raw.url ?? '/';
    const q = url.indexOf('?');
    this.path = q === -1 ? url : url.slice(0, q);
    this.#search = q === -1 ? '' : url.slice(q + 1);
    this.pathParams = pathParams;
    this.#bodyLimit = bodyLimit;
    this.#jsonDepthLimit = jsonDepthLimit;
  }

  /** Free-form per-request storage, shared by dependencies and the handler. */
  get state(): Record<string, unknown> {
    return (this.#state ??= {});
  }

  /**
   * The session `sessions()` keeps in a signed cookie (Starlette's
   * `request.session`): read and change it, or assign `{}` to end it.
   * Throws FASTTS_ERR_SESSION_NOT_INSTALLED when the app has no `sessions()`.
   */
  get session(): Session {
    return slotOf(this).get();
  }

  set session(value: Session) {
    slotOf(this).set(value);
  }

  get headers(): IncomingHttpHeaders {
    return this.raw.headers;
  }

  get query(): QueryParams {
    return (this.#query ??= parseQueryString(this.#search) as QueryParams);
  }

  get cookies(): Record<string, string | undefined> {
    return (this.#cookies ??= this.raw.headers.cookie ? parseCookies(this.raw.headers.cookie) : {});
  }

  /**
   * The URL the client asked for: scheme and host as a trusted proxy forwarded
   * them (X-Forwarded-Proto, X-Forwarded-Host), else the socket's and the Host
   * header's, and the app's root path before the path (Starlette's `request.url`).
   * A host that makes no URL is a 400, not a 500.
   */
  get url(): URL {
    if (this.#url !== undefined) return this.#url;
    const host = forwarded(this.raw, this.trustProxy, 'x-forwarded-host') ?? this.raw.headers.host ?? 'localhost';
    const root = this.app?.rootPath ?? '';
    try {
      return (this.#url = new URL(root + (this.raw.url ?? '/'), `${this.scheme}://${host}`));
    } catch {
      throw new HTTPException(400, 'Invalid host header');
    }
  }

  /**
   * The absolute URL of the route named `name` with `params` (Starlette's
   * `request.url_for`): the scheme and host of `request.url` (so a trusted
   * proxy's X-Forwarded-Proto and -Host), the outermost app's root path, then
   * its `urlPathFor(name, params)`; `ws:` or `wss:` for a WebSocket route.
   * In a mounted app, names are the outermost app's, as in Starlette:
   * `'<mount name>:<route>'`. Throws FASTTS_ERR_NO_ROUTE_MATCH (a 500 from a
   * handler) when no route takes them.
   *
   * @example
   * ```ts
   * request.urlFor('readItem', { item_id: 42 }); // 'https://api.example.com/items/42'
   * ```
   */
  urlFor(name: string, params: PathParams = {}): string {
    const lookup = this.urlPathFromRoot;
    if (lookup === undefined) throw new FastTsError('FASTTS_ERR_NO_ROUTE_MATCH', name, Object.keys(params).join(', '), 'this Request was not made by an app, so it has no routes');
    const { path, websocket } = lookup(name, params);
    const url = this.url;
    const scheme = websocket ? (url.protocol === 'https:' ? 'wss:' : 'ws:') : url.protocol;
    return `${scheme}//${url.host}${path}`;
  }

  /** `https` on a TLS socket or when a trusted proxy says so, else `http`. */
  get scheme(): 'http' | 'https' {
    const proto = forwarded(this.raw, this.trustProxy, 'x-forwarded-proto')?.toLowerCase();
    if (proto === 'https' || proto === 'http') return proto;
    return (this.raw.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
  }

  /**
   * The client's address: the socket's peer, or, with `trustProxy`, the
   * nearest address in X-Forwarded-For not trusted (a forged entry further
   * left is ignored). The port is the socket's only when the address is.
   */
  get client(): { host: string | undefined; port: number | undefined } {
    const socket = this.raw.socket;
    const trust = this.trustProxy;
    if (trust === undefined) return { host: socket.remoteAddress, port: socket.remotePort };
    const host = clientAddress(this.raw, trust);
    return { host, port: host === socket.remoteAddress ? socket.remotePort : undefined };
  }

  /**
   * The client's `x-request-id` when it sent a sane one (1 to 200 printable
   * ASCII characters) and the app's `trustRequestId` takes it, else a new UUID.
   */
  get id(): string {
    return this.knownId() ?? (this.#id = randomUUID());
  }

  /** The id if one is already known (sent by the client, or generated earlier); never generates one. */
  knownId(): string | undefined {
    if (this.#id !== undefined) return this.#id;
    const sent = sentId(this.raw);
    if (sent === undefined || !SANE_ID.test(sent)) return undefined;
    const trust = this.trustRequestId;
    return trust === undefined || trust === true || (trust !== false && trusts(trust, this)) ? (this.#id = sent) : undefined;
  }

  /**
   * The app's logger bound to this request's id, for lines about this
   * request (see docs/logging.md). Made on first use; silent on a Request
   * built by hand.
   */
  get log(): Logger {
    return (this.#log ??= childLogger(this.app?.logger ?? silentLogger, { requestId: this.id }));
  }

  /** Aborts when the client goes away before the response is complete, or the app's drain ends the request's event stream. */
  get signal(): AbortSignal {
    if (this.#abort === undefined) {
      const controller = (this.#abort = new AbortController());
      const res = this.#res;
      if (res) {
        if (res.writableFinished) return controller.signal;
        if (res.destroyed) controller.abort();
        else res.once('close', () => { if (!res.writableFinished) controller.abort(); });
      }
    }
    return this.#abort.signal;
  }

  /** The whole body, read once (limited to the app's `bodyLimit`, else 413). */
  body(): Promise<Buffer> {
    return (this.#body ??= readBody(this.raw, this.#bodyLimit));
  }

  async text(): Promise<string> {
    return (await this.body()).toString('utf8');
  }

  /**
   * The body parsed as JSON, as a body parameter's is: `__proto__` keys
   * dropped, nesting limited, and a fault answered with 422 `json_invalid`.
   * Like Starlette's, it does not look at the content type.
   */
  async json(): Promise<unknown> {
    return parseJson(await this.body(), this.#jsonDepthLimit);
  }
}

/**
 * Aborts `request.signal` as a client that leaves does: the app's drain ended
 * the request's event stream, and a source waiting with the signal stops.
 * Internal: not exported from the package.
 */
export function abortRequest(request: Request): void {
  abortOf(request);
}

function slotOf(request: Request) {
  const slot = (request as WithSession)[kSession];
  if (slot === undefined) throw new FastTsError('FASTTS_ERR_SESSION_NOT_INSTALLED');
  return slot;
}

/** The app's `trustRequestId` function; one that throws says no (it runs where a throw would end the process). */
function trusts(decide: (request: Request) => boolean, request: Request): boolean {
  try {
    return decide(request) === true;
  } catch {
    return false;
  }
}

/** Printable ASCII only: the id goes into log lines and back into a response header. */
const SANE_ID = /^[\x20-\x7e]{1,200}$/;

/**
 * The client's `x-request-id`, read from the raw header list: node builds
 * `req.headers` on first access, and a request that reads no header should
 * not pay for that just to learn it has no id. Repeated: the first one.
 */
function sentId(raw: IncomingMessage): string | undefined {
  const list = raw.rawHeaders;
  if (list === undefined) {
    const value = raw.headers['x-request-id'];
    return typeof value === 'string' ? value : undefined;
  }
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i]!;
    // `| 0x20` lower-cases an ASCII letter: only an x-named header is lower-cased whole.
    if (name.length === 12 && (name.charCodeAt(0) | 0x20) === 0x78 && name.toLowerCase() === 'x-request-id') return list[i + 1];
  }
  return undefined;
}

function readBody(raw: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(raw.headers['content-length']);
  if (declared > limit) return Promise.reject(new FastTsError('FASTTS_ERR_BODY_TOO_LARGE', limit));
  if (raw.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(new FastTsError('FASTTS_ERR_BODY_TOO_LARGE', limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    // Node reports a client that went away mid-body as ECONNRESET "aborted":
    // the client's doing, not a server error (issue 15: one log line each).
    const onError = (err: NodeJS.ErrnoException) => {
      cleanup();
      reject(err.code === 'ECONNRESET' ? new FastTsError('FASTTS_ERR_REQUEST_ABORTED') : err);
    };
    // The client went away before sending the whole body.
    const onClose = () => {
      cleanup();
      reject(new FastTsError('FASTTS_ERR_REQUEST_ABORTED'));
    };
    const cleanup = () => {
      raw.off('data', onData);
      raw.off('end', onEnd);
      raw.off('error', onError);
      raw.off('close', onClose);
    };
    raw.on('data', onData);
    raw.on('end', onEnd);
    raw.on('error', onError);
    raw.on('close', onClose);
  });
}
