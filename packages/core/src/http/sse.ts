import type { ServerResponse } from 'node:http';
import { statusHasNoBody } from '../internal/status.js';
import type { Background } from '../background.js';
import { abortRequest, type Request } from './request.js';
import { jsonText } from './jsonable.js';
import { openStreams } from './open-streams.js';
import { Response, type ResponseInit } from './response.js';

/** The fields of one server-sent event (WHATWG HTML §9.2). */
export interface ServerSentEventInit {
  /** Sent JSON-encoded, a string too (`"hello"`), as FastAPI does. Exclusive with `rawData`. */
  data?: unknown;
  /** Sent as it is: text that is not JSON (HTML, a pre-encoded payload). */
  rawData?: string;
  /** The event's type: the browser dispatches it to `addEventListener(event, …)` instead of `onmessage`. */
  event?: string;
  /** Remembered by the client and sent back as `Last-Event-ID` when it reconnects. */
  id?: string | number;
  /** How long the client waits before reconnecting, in milliseconds. */
  retry?: number;
  /** A comment line: clients ignore it; proxies see traffic. */
  comment?: string;
}

/**
 * One event with its fields. Anything else an `EventSourceResponse` source
 * yields is sent as an event's `data`, JSON-encoded.
 *
 * @example
 * ```ts
 * yield new ServerSentEvent({ event: 'progress', id: 3, data: { percent: 40 } });
 * ```
 */
export class ServerSentEvent implements ServerSentEventInit {
  readonly data?: unknown;
  readonly rawData?: string;
  readonly event?: string;
  readonly id?: string | number;
  readonly retry?: number;
  readonly comment?: string;

  constructor(init: ServerSentEventInit) {
    if (init.data !== undefined && init.rawData !== undefined) throw new TypeError('ServerSentEvent: set data (sent as JSON) or rawData (sent as is), not both');
    // A line break would end the field early; a NUL makes clients drop the id (WHATWG HTML §9.2.6).
    if (init.id !== undefined && /[\r\n\0]/.test(String(init.id))) throw new TypeError(`ServerSentEvent: an id cannot hold a line break or NUL: ${JSON.stringify(String(init.id))}`);
    if (init.event !== undefined && /[\r\n]/.test(init.event)) throw new TypeError(`ServerSentEvent: an event name cannot hold a line break: ${JSON.stringify(init.event)}`);
    if (init.retry !== undefined && !(Number.isInteger(init.retry) && init.retry >= 0)) throw new TypeError(`ServerSentEvent: retry must be a whole number of milliseconds, not ${init.retry}`);
    Object.assign(this, init);
  }
}

const LINE_BREAK = /\r\n|\r|\n/;

/**
 * The wire form of one event: comment lines, `event`, one `data` line per
 * line of data (a client joins them back with `\n`), `id`, `retry`, then the
 * blank line that dispatches it. A value that is not a ServerSentEvent is the
 * data.
 */
export function encodeEvent(item: unknown): string {
  const ev = item instanceof ServerSentEvent ? item : new ServerSentEvent({ data: item });
  let out = '';
  if (ev.comment !== undefined) for (const line of ev.comment.split(LINE_BREAK)) out += `: ${line}\n`;
  if (ev.event !== undefined) out += `event: ${ev.event}\n`;
  const data = ev.rawData ?? (ev.data === undefined ? undefined : jsonText(ev.data));
  if (data !== undefined) for (const line of data.split(LINE_BREAK)) out += `data: ${line}\n`;
  if (ev.id !== undefined) out += `id: ${ev.id}\n`;
  if (ev.retry !== undefined) out += `retry: ${ev.retry}\n`;
  return `${out}\n`;
}

/** What an EventSourceResponse or a JSONLinesResponse streams: an async or a sync iterable. */
export type EventStreamSource<T = unknown> = AsyncIterable<T> | Iterable<T>;

export interface EventSourceInit {
  /** A `: ping` comment after this many idle milliseconds, so proxies keep the connection open. Default 15000 (sse-starlette's); 0: none. */
  ping?: number;
  status?: number;
  headers?: Record<string, string | number | string[]>;
  /** Runs once the stream has ended (the source finished, or the client left and the source was closed). */
  background?: Background;
}

// sse-starlette's: no cache may keep the stream, and nginx must not buffer it.
const SSE_HEADERS = { 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' };
const PING = ': ping\n\n';

/**
 * Server-sent events (`text/event-stream`) from an iterable, as FastAPI's
 * `EventSourceResponse`: each item is one event (see {@link encodeEvent}).
 * A `: ping` comment goes out whenever the source is idle for `ping` ms.
 * When the client goes away the source is closed at once, even while it
 * awaits its next item (its `return()` is called; an async generator's
 * `finally` runs when its current `await` settles, so await with
 * `request.signal`). When the app's drain begins, the body ends (a whole
 * chunked body: the client reconnects) and the source is closed, its
 * `request.signal` aborted. The background runs after the stream has ended.
 *
 * @example
 * ```ts
 * return new EventSourceResponse(ticker(request.signal), { ping: 10_000 });
 * ```
 */
export class EventSourceResponse extends Response {
  static override mediaType = 'text/event-stream';
  readonly source: EventStreamSource;
  readonly ping: number;

  constructor(source: EventStreamSource, init: EventSourceInit = {}) {
    super(undefined, { status: init.status, background: init.background, headers: { ...SSE_HEADERS, ...init.headers } });
    this.source = source;
    this.ping = init.ping ?? 15_000;
  }

  protected override hasFixedBody(): boolean {
    return false;
  }

  override writeTo(res: ServerResponse, head: boolean, request?: Request): Promise<void> {
    return writeStream(res, this, head, request, encodeEvent, this.ping > 0 ? this.ping : undefined);
  }
}

/**
 * JSON Lines (`application/x-ndjson`): one JSON value per line, each written
 * as soon as the source yields it. A client that goes away, or the app's
 * drain, closes the source, as for an EventSourceResponse.
 *
 * @example
 * ```ts
 * return new JSONLinesResponse(rowsOf(query));
 * ```
 */
export class JSONLinesResponse extends Response {
  static override mediaType = 'application/x-ndjson';
  readonly source: EventStreamSource;

  constructor(source: EventStreamSource, init: ResponseInit = {}) {
    super(undefined, init);
    this.source = source;
  }

  protected override hasFixedBody(): boolean {
    return false;
  }

  override writeTo(res: ServerResponse, head: boolean, request?: Request): Promise<void> {
    return writeStream(res, this, head, request, (item) => `${jsonText(item)}\n`, undefined);
  }
}

/** The `Last-Event-ID` a reconnecting EventSource sends: the id of the last event it received. */
export function lastEventId(request: Request): string | undefined {
  const value = request.headers['last-event-id'];
  return Array.isArray(value) ? value[0] : value;
}

/** Why a stream stopped before its source finished. */
const CLOSED = Symbol('client left');
const DRAINED = Symbol('app draining');
type Stop = typeof CLOSED | typeof DRAINED;

/**
 * Writes the head at once (an EventSource opens on it), then each item as it
 * comes. Every wait is raced with the response's 'close' and the app's drain,
 * so a client that leaves, or a drain that begins, while the source is idle
 * is noticed then, not at the next item.
 */
async function writeStream(
  res: ServerResponse,
  response: Response & { source: EventStreamSource },
  head: boolean,
  request: Request | undefined,
  encode: (item: unknown) => string,
  pingMs: number | undefined,
): Promise<void> {
  res.writeHead(response.status, response.headers);
  if (head || statusHasNoBody(response.status)) {
    res.end();
    return;
  }
  res.flushHeaders();
  const source = response.source as Partial<AsyncIterable<unknown> & Iterable<unknown>>;
  const iterator: AsyncIterator<unknown> | Iterator<unknown> = source[Symbol.asyncIterator] ? source[Symbol.asyncIterator]!() : source[Symbol.iterator]!();
  let stopped: Stop | undefined;
  let stop!: (why: Stop) => void;
  const ended = new Promise<Stop>((resolve) => (stop = (why) => resolve((stopped ??= why))));
  const onClose = () => stop(CLOSED);
  const onDrain = () => stop(DRAINED);
  if (res.destroyed) onClose();
  else res.once('close', onClose);
  // A request built by hand has no app, and no drain to end its stream.
  const streams = request?.app === undefined ? undefined : openStreams(request.app);
  // Calls onDrain at once when the drain began before the handler returned: the source is not started.
  streams?.add(onDrain);
  const ping = pingMs === undefined ? undefined : setInterval(() => res.write(PING), pingMs);
  let finished = false;
  try {
    while (stopped === undefined) {
      const step = await Promise.race([iterator.next(), ended]);
      if (typeof step === 'symbol') break;
      if (step.done) {
        finished = true;
        break;
      }
      // An item just went out: the next ping is due one interval from now.
      ping?.refresh();
      if (!res.write(encode(step.value)) && typeof (await Promise.race([drained(res), ended])) === 'symbol') break;
    }
  } finally {
    clearInterval(ping);
    res.off('close', onClose);
    streams?.delete(onDrain);
    if (stopped === DRAINED) {
      // The client gets a whole body at once and may reconnect elsewhere,
      // then the source stops as for a client that left.
      if (!res.destroyed) res.end();
      if (request !== undefined) abortRequest(request);
    }
    if (!finished) await iterator.return?.();
    if (!res.destroyed && !res.writableEnded) res.end();
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => res.once('drain', resolve));
}
