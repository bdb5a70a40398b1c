import { Buffer } from 'node:buffer';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { constants, createGzip, gzip as gzipAsync, gzipSync, type Gzip } from 'node:zlib';
import { FileResponse, Response, StreamingResponse, type HeaderValue, type StreamContent } from '../http/response.js';
import { statusHasNoBody } from '../internal/status.js';
import { acceptsSyncNext, type Middleware } from './chain.js';
import { varyAdder } from './vary.js';

export interface GZipOptions {
  /** Bodies smaller than this many bytes are sent as they are. Default 500. */
  minimumSize?: number;
  /** zlib's compression level, 1 (fastest) to 9 (smallest). Default 9. */
  compressLevel?: number;
  /** Media types never compressed (parameters ignored; `text/*` names a whole type). Default `['text/event-stream']`. */
  excludeContentTypes?: readonly string[];
}

const compressLater = promisify(gzipAsync);

// Starlette moves bodies from 128 KiB up off the event loop (its
// thread_minimum_size); zlib's async call runs them on libuv's pool.
const ASYNC_MINIMUM = 128 * 1024;

/**
 * Starlette's GZipMiddleware (FastAPI's): when the request's
 * `Accept-Encoding` names gzip, a body of at least `minimumSize` bytes is
 * compressed, `Content-Encoding: gzip` set, `Content-Length` fixed and
 * `Vary: Accept-Encoding` appended. A streamed body is compressed as it
 * streams, each chunk flushed so it reaches the client at once. Left alone:
 * a response that already has a `Content-Encoding`, an excluded media type
 * (server-sent events), a status without a body, and a partial (206) answer.
 *
 * @example
 * ```ts
 * app.use(gzip({ minimumSize: 1000, compressLevel: 5 }));
 * ```
 */
export function gzip(options: GZipOptions = {}): Middleware {
  const minimumSize = options.minimumSize ?? 500;
  const level = options.compressLevel ?? 9;
  if (!Number.isInteger(level) || level < 1 || level > 9) throw new TypeError(`gzip: compressLevel must be an integer from 1 to 9, not ${level}`);
  if (!(minimumSize >= 0)) throw new TypeError(`gzip: minimumSize must be a number of bytes, not ${minimumSize}`);
  const excluded = new Set((options.excludeContentTypes ?? ['text/event-stream']).map(mediaType));

  /** Whether gzip could apply at all: the decision Starlette takes on the response's head. */
  const eligible = (response: Response): boolean => {
    if (statusHasNoBody(response.status) || response.status === 206 || response.headers['content-encoding'] !== undefined) return false;
    const type = mediaType(headerText(response.headers['content-type']) ?? '');
    return !excluded.has(type) && !excluded.has(`${type.slice(0, type.indexOf('/'))}/*`);
  };

  // Without gzip in Accept-Encoding the body goes as it is, but a response
  // that would have been compressed still says it varies (RFC 9110 §12.5.5),
  // as Starlette's IdentityResponder does, so a cache keeps both forms apart.
  const identity = (response: Response): Response => {
    const kind = kindOf(response);
    if (kind === undefined || (kind === 'fixed' && below(response.body, minimumSize)) || !eligible(response)) return response;
    addVary(response.headers);
    return response;
  };

  const compress = (response: Response): Response | Promise<Response> => {
    const kind = kindOf(response);
    // The size first: a small body (the usual JSON answer) is left before its content type is read.
    if (kind === 'fixed' && below(response.body, minimumSize)) return response;
    if (!eligible(response)) return response;
    switch (kind) {
      case 'fixed':
        return compressFixed(response, minimumSize, level);
      case 'stream': {
        const headers = encodedHeaders(response.headers);
        delete headers['content-length'];
        return copyOf(response as StreamingResponse, { headers, content: gzipChunks((response as StreamingResponse).content, level) });
      }
      case 'file': {
        const headers = { ...response.headers };
        addVary(headers);
        return copyOf(response as FileResponse, {
          headers,
          writeTo(this: FileResponse, res: ServerResponse, isHead: boolean) {
            // FileResponse decides 200, 206, 304 or 416 itself; the sink sees that decision in writeHead.
            const sink = new FileSink(res, isHead, level, minimumSize);
            return FileResponse.prototype.writeTo.call(this, sink as unknown as ServerResponse, isHead);
          },
        });
      }
      default:
        // A response that writes itself in its own way: nothing to wrap safely.
        return response;
    }
  };

  return acceptsSyncNext(function gzip(request, next) {
    const accept = request.raw.headers['accept-encoding'];
    // Starlette's test: the word anywhere in the header.
    const after = accept === undefined || !accept.includes('gzip') ? identity : compress;
    const response = next() as Response | Promise<Response>;
    return response instanceof Promise ? response.then(after) : after(response);
  });
}

/** Whether a body is shorter than `size` bytes; a string of n UTF-16 units is at most 3n bytes, so most need no count. */
function below(body: string | Buffer, size: number): boolean {
  if (typeof body !== 'string') return body.length < size;
  return body.length * 3 < size || Buffer.byteLength(body) < size;
}

type Kind = 'fixed' | 'stream' | 'file' | undefined;

/** Which writer the response uses: only the framework's own three are known well enough to wrap. */
function kindOf(response: Response): Kind {
  const writer = response.writeTo;
  if (writer === Response.prototype.writeTo) return 'fixed';
  if (writer === StreamingResponse.prototype.writeTo) return 'stream';
  if (writer === FileResponse.prototype.writeTo) return 'file';
  return undefined;
}

function compressFixed(response: Response, minimumSize: number, level: number): Response | Promise<Response> {
  const body = response.body;
  const size = Buffer.byteLength(body);
  if (size < minimumSize) return response;
  const done = (compressed: Buffer): Response => {
    const headers = encodedHeaders(response.headers);
    headers['content-length'] = String(compressed.length);
    return copyOf(response, { headers, body: compressed });
  };
  // A HEAD is compressed too: its Content-Length is the one a GET would get.
  if (size < ASYNC_MINIMUM) return done(gzipSync(body, { level }));
  return compressLater(body, { level }).then(done);
}

/**
 * A copy of `response`, of its class, with some fields replaced: the original
 * may be one instance shared by many requests and is never changed.
 */
function copyOf<T extends Response>(response: T, fields: Partial<Record<keyof T, unknown>>): T {
  return Object.assign(Object.create(Object.getPrototypeOf(response) as object) as T, response, fields);
}

/** The headers of the compressed form; a strong ETag becomes weak, as nginx does, since the bytes differ from the original's. */
const addVary = varyAdder('Accept-Encoding');

function encodedHeaders(source: Record<string, HeaderValue>): Record<string, HeaderValue> {
  const headers = { ...source };
  headers['content-encoding'] = 'gzip';
  addVary(headers);
  const etag = headers['etag'];
  if (typeof etag === 'string' && etag.startsWith('"')) headers['etag'] = `W/${etag}`;
  return headers;
}

function mediaType(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

function headerText(value: HeaderValue | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The chunks of `source`, gzipped, each flushed (Z_SYNC_FLUSH) so the client
 * can decode it as soon as it arrives: a stream that sends progress would
 * otherwise sit in zlib's window until the end. Closing this generator (the
 * client went away) closes the source's iterator too.
 */
async function* gzipChunks(source: StreamContent, level: number): AsyncGenerator<Buffer> {
  const zip = createGzip({ level });
  const out: Buffer[] = [];
  let failure: unknown;
  zip.on('data', (chunk: Buffer) => out.push(chunk));
  zip.on('error', (err) => (failure ??= err));
  try {
    for await (const chunk of source as AsyncIterable<string | Uint8Array>) {
      if (chunk.length === 0) continue;
      zip.write(chunk);
      await new Promise<void>((resolve) => zip.flush(constants.Z_SYNC_FLUSH, () => resolve()));
      if (failure !== undefined) throw failure;
      if (out.length > 0) yield Buffer.concat(out.splice(0));
    }
    await ended(zip);
    if (out.length > 0) yield Buffer.concat(out.splice(0));
  } finally {
    zip.destroy();
  }
}

function ended(zip: Gzip): Promise<void> {
  return new Promise((resolve, reject) => {
    zip.once('end', resolve);
    zip.once('error', reject);
    zip.end();
  });
}

/**
 * What a FileResponse writes to under gzip: the parts of node's response it
 * uses (`req`, `writeHead`, a writable body). A whole file (200) goes through
 * gzip; a range (206), a 304 and a 416 go as they are, since a compressed
 * range would not be the range the client asked for.
 */
class FileSink extends Writable {
  readonly req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #head: boolean;
  readonly #level: number;
  readonly #minimumSize: number;
  #zip: Gzip | undefined;
  #piped: Promise<void> | undefined;

  constructor(res: ServerResponse, head: boolean, level: number, minimumSize: number) {
    super();
    this.req = res.req;
    this.#res = res;
    this.#head = head;
    this.#level = level;
    this.#minimumSize = minimumSize;
    // FileResponse ends a 304 or 416 without a pipeline: a client gone by then is not an error to raise.
    this.on('error', () => {});
    // A client that goes away ends the file's pipeline as it would without gzip.
    res.once('close', () => {
      if (!res.writableFinished) this.destroy();
    });
  }

  writeHead(status: number, headers: OutgoingHttpHeaders): this {
    const length = Number(headers['content-length']);
    if (status !== 200 || headers['content-encoding'] !== undefined || !(length >= this.#minimumSize)) {
      this.#res.writeHead(status, headers);
      return this;
    }
    const encoded = encodedHeaders(headers as Record<string, HeaderValue>);
    delete encoded['content-length'];
    this.#res.writeHead(status, encoded);
    if (!this.#head) {
      this.#zip = createGzip({ level: this.#level });
      this.#piped = pipeline(this.#zip, this.#res);
      this.#piped.catch(() => {});
    }
    return this;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    const target = this.#zip ?? this.#res;
    if (target.write(chunk)) callback();
    else target.once('drain', () => callback());
  }

  override _final(callback: (err?: Error | null) => void): void {
    const zip = this.#zip;
    if (zip === undefined) {
      this.#res.end();
      finished(this.#res).then(() => callback(), callback);
      return;
    }
    zip.end();
    this.#piped!.then(() => callback(), callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.#zip?.destroy();
    callback(err);
  }
}
