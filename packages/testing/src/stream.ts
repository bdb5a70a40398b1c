import type { HeaderMap } from './client.js';

/** One server-sent event as a client parses it (WHATWG HTML §9.2.6), with the comments of its block. */
export interface SSEEvent {
  /** `message` unless the block named another type. */
  event: string;
  /** The block's `data` lines joined with `\n`; undefined when it had none. */
  data: string | undefined;
  /** The block's own `id` field, if any. */
  id: string | undefined;
  retry: number | undefined;
  /** Comment lines (`: ping`), without the colon and the one space after it. */
  comments: string[];
}

export interface SSEOptions {
  /** Also yield blocks holding only comments (keep-alive pings). Default false. */
  comments?: boolean;
}

/**
 * A response read as it arrives, from `client.stream(…)`: its status and
 * headers at once, then its body as chunks, server-sent events or lines.
 * The body can be read once. `close()` disconnects, as a browser leaving
 * the page does; the server sees its client go away.
 *
 * @example
 * ```ts
 * const stream = await client.stream('GET', '/events');
 * for await (const ev of stream.sse()) if (ev.event === 'done') break;
 * await stream.close();
 * ```
 */
export class TestStream {
  readonly status: number;
  readonly headers: HeaderMap;
  readonly #body: AsyncIterable<Buffer>;
  readonly #close: () => Promise<void>;
  #closed: Promise<void> | undefined;

  constructor(status: number, headers: HeaderMap, body: AsyncIterable<Buffer>, close: () => Promise<void>) {
    this.status = status;
    this.headers = headers;
    this.#body = body;
    this.#close = close;
  }

  /** The body's bytes as they come; ends when the server ends the response. */
  async *chunks(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of this.#body) yield chunk;
    } catch (err) {
      // Our own close() ends the body with an abort: that is the end, not a failure.
      if (this.#closed === undefined) throw err;
    }
  }

  /** The body as text, lines split on `\n`, `\r\n` or `\r`; the last one only if it ended with a break or the body ended. */
  async *lines(): AsyncGenerator<string> {
    const decoder = new TextDecoder();
    let pending = '';
    for await (const chunk of this.chunks()) {
      pending += decoder.decode(chunk, { stream: true });
      const parts = pending.split(/\r\n|\r(?!$)|\n/);
      pending = parts.pop()!;
      yield* parts;
    }
    pending += decoder.decode();
    if (pending.endsWith('\r')) pending = pending.slice(0, -1);
    if (pending !== '') yield pending;
  }

  /** Each line parsed as JSON (JSON Lines / NDJSON); blank lines skipped. */
  async *jsonLines<T = any>(): AsyncGenerator<T> {
    for await (const line of this.lines()) if (line.trim() !== '') yield JSON.parse(line) as T;
  }

  /** Server-sent events, one per blank-line-ended block, parsed as EventSource does. */
  async *sse(options: SSEOptions = {}): AsyncGenerator<SSEEvent> {
    let block = emptyBlock();
    let started = false;
    for await (const line of this.lines()) {
      if (line === '') {
        if (started && (options.comments || block.data !== undefined || block.id !== undefined || block.retry !== undefined || block.event !== 'message')) yield block;
        block = emptyBlock();
        started = false;
        continue;
      }
      started = true;
      const colon = line.indexOf(':');
      const name = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (name === '') block.comments.push(value);
      else if (name === 'data') block.data = block.data === undefined ? value : `${block.data}\n${value}`;
      else if (name === 'event') block.event = value;
      else if (name === 'id' && !value.includes('\0')) block.id = value;
      else if (name === 'retry' && /^\d+$/.test(value)) block.retry = Number(value);
    }
  }

  /** The rest of the body as text. */
  async text(): Promise<string> {
    const parts: Buffer[] = [];
    for await (const chunk of this.chunks()) parts.push(chunk);
    return Buffer.concat(parts).toString('utf8');
  }

  /** Disconnects (idempotent). The server's response sees 'close'; its source is closed. */
  close(): Promise<void> {
    return (this.#closed ??= this.#close());
  }
}

function emptyBlock(): SSEEvent {
  return { event: 'message', data: undefined, id: undefined, retry: undefined, comments: [] };
}
