import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as MimeTypes from 'mime-types';
import { lazy } from '../internal/lazy.js';
import type { Background } from '../background.js';
import type { Request } from './request.js';
import { statusHasNoBody } from '../internal/status.js';
import { serializeCookie, type CookieOptions } from './cookies.js';
import { jsonText } from './jsonable.js';
import { FastTsError } from '../errors/codes.js';
import { ifRangeHolds, parseByteRange } from './byte-range.js';

const mimeTypes = lazy<typeof MimeTypes>('mime-types');

export type HeaderValue = string | string[];

const NO_INIT: ResponseInit = Object.freeze({});

export interface ResponseInit {
  status?: number;
  /** Header names are stored in lower case. */
  headers?: Record<string, string | number | string[]>;
  mediaType?: string;
  /** Work to run after the body has been written: one task or a BackgroundTasks. */
  background?: Background;
}

/**
 * A response with a body known up front. Subclasses choose how content is
 * rendered (`render`) and, for bodies produced over time, how it is written.
 * A Response is never changed by the framework, so one instance can be
 * returned by many requests.
 *
 * @example
 * ```ts
 * return new Response('<xml/>', { mediaType: 'application/xml', background: new BackgroundTask(audit, id) });
 * ```
 */
export class Response {
  static mediaType: string | undefined = undefined;

  /** For the temporary response injected into handlers, 0 means "not set". */
  status: number;
  readonly headers: Record<string, HeaderValue>;
  background: Background | undefined;
  readonly body: string | Buffer;

  constructor(content?: unknown, init: ResponseInit = NO_INIT) {
    this.status = init.status ?? 200;
    this.background = init.background;
    const mediaType = init.mediaType ?? (this.constructor as typeof Response).mediaType;
    this.body = this.render(content);
    if (init.headers === undefined && mediaType !== undefined && this.hasFixedBody()) {
      // What the server core builds for every returned value: a literal is
      // cloned from its boilerplate, where `{}` grows key by key.
      this.headers = { 'content-type': withCharset(mediaType), 'content-length': String(this.byteLength(content)) };
      return;
    }
    const headers: Record<string, HeaderValue> = {};
    if (init.headers) for (const [k, v] of Object.entries(init.headers)) headers[k.toLowerCase()] = typeof v === 'number' ? String(v) : v;
    if (mediaType !== undefined && headers['content-type'] === undefined) headers['content-type'] = withCharset(mediaType);
    if (this.hasFixedBody()) headers['content-length'] ??= String(this.byteLength(content));
    this.headers = headers;
  }

  protected render(content: unknown): string | Buffer {
    if (content === undefined || content === null) return '';
    if (typeof content === 'string' || Buffer.isBuffer(content)) return content;
    if (content instanceof Uint8Array) return Buffer.from(content.buffer, content.byteOffset, content.byteLength);
    return String(content);
  }

  /** The rendered body's length in bytes; `content` is what it was rendered from. */
  protected byteLength(_content: unknown): number {
    return Buffer.byteLength(this.body);
  }

  /** False for responses whose body is produced while writing (streams, files). */
  protected hasFixedBody(): boolean {
    return true;
  }

  setHeader(name: string, value: string | number | string[]): this {
    this.headers[name.toLowerCase()] = typeof value === 'number' ? String(value) : value;
    return this;
  }

  setCookie(key: string, value = '', options?: CookieOptions): this {
    return this.appendHeader('set-cookie', serializeCookie(key, value, options));
  }

  deleteCookie(key: string, options: Omit<CookieOptions, 'maxAge' | 'expires'> = {}): this {
    return this.setCookie(key, '', { ...options, maxAge: 0, expires: new Date(0) });
  }

  appendHeader(name: string, value: string): this {
    const key = name.toLowerCase();
    const current = this.headers[key];
    this.headers[key] = current === undefined ? value : Array.isArray(current) ? [...current, value] : [current, value];
    return this;
  }

  /**
   * Writes status, headers and (unless `head`) the body to the socket.
   * Framework internal: the server core calls it once per request, with the
   * request it answers (an event stream ends with its app's drain).
   */
  writeTo(res: ServerResponse, head: boolean, _request?: Request): void | Promise<void> {
    if (statusHasNoBody(this.status)) {
      res.writeHead(this.status, withoutLength(this.headers));
      res.end();
      return;
    }
    res.writeHead(this.status, this.headers);
    if (head) res.end();
    else res.end(this.body);
  }
}

/** JSON text already written by a response model's compiled writer; JSONResponse sends it as it is. */
export class JsonText {
  /** `ascii`: every character is ASCII, so the text's length is its length in bytes. */
  constructor(
    readonly text: string,
    readonly ascii = false,
  ) {}
}

/**
 * JSON, compact (FastAPI's `separators=(",", ":")`), `application/json`
 * without a charset. Content is encoded as FastAPI's jsonable_encoder does
 * (Sets and iterables as lists, Maps as objects; see jsonable.ts).
 */
export class JSONResponse extends Response {
  static override mediaType = 'application/json';

  protected override render(content: unknown): string {
    if (content instanceof JsonText) return content.text;
    return jsonText(content);
  }

  protected override byteLength(content: unknown): number {
    return content instanceof JsonText && content.ascii ? this.body.length : super.byteLength(content);
  }
}

export class HTMLResponse extends Response {
  static override mediaType = 'text/html';
}

export class PlainTextResponse extends Response {
  static override mediaType = 'text/plain';
}

/** A redirect, 307 by default; the URL is percent-quoted as Starlette does. */
export class RedirectResponse extends Response {
  constructor(url: string, status = 307, init: Omit<ResponseInit, 'status'> = {}) {
    super(undefined, { ...init, status });
    this.headers['location'] = quoteUrl(url);
  }
}

export type StreamContent = AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array> | Readable;

/**
 * A body produced over time, sent chunked. If the client goes away the
 * iterator is closed (a generator's `finally` runs) and background tasks
 * still run, as with uvicorn.
 */
export class StreamingResponse extends Response {
  readonly content: StreamContent;

  constructor(content: StreamContent, init: ResponseInit = {}) {
    super(undefined, init);
    this.content = content;
  }

  protected override hasFixedBody(): boolean {
    return false;
  }

  override async writeTo(res: ServerResponse, head: boolean): Promise<void> {
    const content = this.content as Partial<AsyncIterable<string | Uint8Array> & Iterable<string | Uint8Array>>;
    const iterator: AsyncIterator<string | Uint8Array> | Iterator<string | Uint8Array> = content[Symbol.asyncIterator]
      ? content[Symbol.asyncIterator]!()
      : content[Symbol.iterator]!();
    res.writeHead(this.status, this.headers);
    let finished = false;
    try {
      if (head || statusHasNoBody(this.status)) return;
      for (;;) {
        const step = await iterator.next();
        if (step.done) {
          finished = true;
          break;
        }
        if (res.destroyed) break;
        if (!res.write(step.value)) await drained(res);
      }
    } finally {
      if (!finished) await iterator.return?.();
      if (!res.destroyed) res.end();
    }
  }
}

export interface FileResponseInit extends ResponseInit {
  /** Sets `content-disposition` so browsers save the file under this name. */
  filename?: string;
  contentDispositionType?: 'attachment' | 'inline';
}

/**
 * A file streamed from disk, with content-length, content-type, last-modified
 * and etag; answers a conditional GET with 304 and a single Range with 206
 * (416 when it starts past the end; If-Range honoured).
 */
export class FileResponse extends Response {
  readonly path: string;

  constructor(path: string, init: FileResponseInit = {}) {
    const { filename, contentDispositionType = 'attachment', ...rest } = init;
    const mediaType = rest.mediaType ?? (mimeTypes().lookup(filename ?? path) || 'text/plain');
    super(undefined, { ...rest, mediaType });
    this.path = path;
    if (filename !== undefined) this.headers['content-disposition'] = contentDisposition(contentDispositionType, filename);
  }

  protected override hasFixedBody(): boolean {
    return false;
  }

  override async writeTo(res: ServerResponse, head: boolean): Promise<void> {
    const info = await stat(this.path).catch((err: NodeJS.ErrnoException) => {
      throw Object.assign(new FastTsError('FASTTS_ERR_FILE_RESPONSE_PATH', this.path, err.code === 'ENOENT' ? 'does not exist' : `cannot be read (${err.code})`), { cause: err });
    });
    if (!info.isFile()) throw new FastTsError('FASTTS_ERR_FILE_RESPONSE_PATH', this.path, 'is not a file');
    const etag = `"${createHash('md5').update(`${info.mtimeMs / 1000}-${info.size}`).digest('hex')}"`;
    const lastModified = info.mtime.toUTCString();
    const requestHeaders = res.req?.headers ?? {};
    if (this.status === 200 && notModified(requestHeaders, etag, info.mtime)) {
      // RFC 9110 §15.4.5: a 304 repeats the validators and sends no body.
      res.writeHead(304, { etag, 'last-modified': lastModified });
      res.end();
      return;
    }
    const rangeHeader = requestHeaders.range;
    const range =
      rangeHeader === undefined || this.status !== 200 || !ifRangeHolds(headerText(requestHeaders['if-range']), etag, lastModified)
        ? undefined
        : parseByteRange(rangeHeader, info.size);
    if (range === 'unsatisfiable') {
      // RFC 9110 §15.5.17: a 416 names the current length.
      res.writeHead(416, { 'content-range': `bytes */${info.size}`, 'content-length': '0' });
      res.end();
      return;
    }
    const validators = { 'accept-ranges': 'bytes', 'last-modified': lastModified, etag };
    if (range === undefined) res.writeHead(this.status, { 'content-length': String(info.size), ...validators, ...this.headers });
    else {
      res.writeHead(206, {
        ...validators,
        ...this.headers,
        'content-length': String(range.end - range.start + 1),
        'content-range': `bytes ${range.start}-${range.end}/${info.size}`,
      });
    }
    if (head || statusHasNoBody(this.status)) {
      res.end();
      return;
    }
    try {
      await pipeline(createReadStream(this.path, range), res);
    } catch (err) {
      // The client closing the connection is not a server error.
      if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
    }
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Conditional GET (RFC 9110 §13.1.1-2): If-None-Match wins over If-Modified-Since. */
function notModified(headers: Record<string, string | string[] | undefined>, etag: string, mtime: Date): boolean {
  const noneMatch = headers['if-none-match'];
  if (typeof noneMatch === 'string') {
    return noneMatch.trim() === '*' || noneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
  }
  const since = headers['if-modified-since'];
  if (typeof since !== 'string') return false;
  const date = Date.parse(since);
  return !Number.isNaN(date) && Math.floor(mtime.getTime() / 1000) * 1000 <= date;
}

function withCharset(mediaType: string): string {
  return mediaType.startsWith('text/') && !mediaType.toLowerCase().includes('charset=') ? `${mediaType}; charset=utf-8` : mediaType;
}

function withoutLength(headers: Record<string, HeaderValue>): Record<string, HeaderValue> {
  if (headers['content-length'] === undefined) return headers;
  const { 'content-length': _, ...rest } = headers;
  return rest;
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

// The characters Starlette leaves as they are: quote(url, safe=":/%#?=@[]!$&'()*+,;").
const UNSAFE_URL_CHARS = /[^A-Za-z0-9\-._~:/%#?=@[\]!$&'()*+,;]/gu;

export function quoteUrl(url: string): string {
  return url.replace(UNSAFE_URL_CHARS, (c) => encodeURIComponent(c));
}

function contentDisposition(type: string, filename: string): string {
  const quoted = encodeURIComponent(filename).replaceAll('%2F', '/');
  return quoted === filename ? `${type}; filename="${filename}"` : `${type}; filename*=utf-8''${quoted}`;
}

