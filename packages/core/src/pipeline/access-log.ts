import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Request } from '../http/request.js';
import { infoEnabled, type Logger } from '../logger.js';

/** What dispatch does with a request as soon as it is built: echo its id, start its access line. */
export type RequestStart = (request: Request, res: ServerResponse) => void;

export interface AccessLogOptions {
  accessLog?: boolean;
  requestIdHeader?: boolean;
}

/**
 * Decided once per compile, so the hot path tests one field: undefined when
 * neither the id header nor the access line is on (the header follows the
 * line unless `requestIdHeader` says otherwise). The line is on only when
 * the logger writes `info` lines then (a pino logger whose level is changed
 * later keeps the choice until the next compile): at LOG_LEVEL=warn no
 * listener is attached and no time is read.
 */
export function compileRequestStart(logger: Logger, options: AccessLogOptions): RequestStart | undefined {
  const line = options.accessLog !== false && infoEnabled(logger);
  // Measured on GET /hello at LOG_LEVEL=warn: the header alone costs about a
  // tenth more CPU per request (a UUID, and node then writes every header of
  // the head through setHeader()), so by default it comes with the line.
  const echo = options.requestIdHeader ?? line;
  if (line) return echo ? (request, res) => startLine(logger, request, echoId(request, res)) : (request, res) => startLine(logger, request, res);
  return echo ? echoId : undefined;
}

/** `x-request-id` on every response: node merges it into the head each Response writes. */
function echoId(request: Request, res: ServerResponse): ServerResponse {
  res.setHeader('x-request-id', request.id);
  return res;
}

/**
 * One line when the response is done: node emits 'close' after 'finish', or
 * alone when the connection went away first (then the line says `aborted`,
 * and a status only if the head had been sent).
 */
function startLine(logger: Logger, request: Request, res: ServerResponse): void {
  const start = performance.now();
  res.once('close', () => {
    // In an event listener a throw would end the process: a logger that
    // throws loses its access line, not the server.
    try {
      const fields = accessFields(request, res, performance.now() - start);
      logger.info(fields, accessMessage(request, res, fields.durationMs));
    } catch {
      // Nothing left to report with.
    }
  });
}

/** The access line's fields. */
export interface AccessLine {
  method: string;
  /** Without the query string, which may carry secrets (tokens, e-mail addresses). */
  path: string;
  status?: number;
  /** From the request's start to the end of its response, in milliseconds. */
  durationMs: number;
  requestId: string;
  client: string | undefined;
  /** The response's content-length, when it had one. */
  bytes?: number;
  aborted?: true;
}

function accessFields(request: Request, res: ServerResponse, elapsed: number): AccessLine {
  const line: AccessLine = {
    method: request.method,
    path: fullPath(request),
    status: res.headersSent ? res.statusCode : undefined,
    durationMs: Math.round(elapsed * 1000) / 1000,
    requestId: request.id,
    client: request.client.host,
  };
  const length = contentLength(res);
  if (length !== undefined) line.bytes = length;
  if (!res.writableFinished) line.aborted = true;
  return line;
}

/** `GET /items/7 200 1.2ms`: what a person scans for, the same in JSON and pretty output. */
function accessMessage(request: Request, res: ServerResponse, durationMs: number): string {
  const status = res.writableFinished ? String(res.statusCode) : res.headersSent ? `${res.statusCode} aborted` : 'aborted';
  return `${request.method} ${fullPath(request)} ${status} ${durationMs.toFixed(1)}ms`;
}

/**
 * Node keeps the head's fields for getHeader() only when some were set with
 * setHeader(); a Response written with writeHead(status, headers) alone
 * leaves them only in the head's text (`_header`, which morgan reads too).
 */
function contentLength(res: ServerResponse): number | undefined {
  const set = res.getHeader('content-length');
  if (set !== undefined) return Number(set);
  const head = (res as { _header?: unknown })._header;
  const found = typeof head === 'string' ? /\r\ncontent-length: *(\d+)/i.exec(head) : null;
  return found === null ? undefined : Number(found[1]);
}

/** The path the client asked for: a mounted app sees its prefix stripped from `req.url`, but not from `originalUrl`. */
function fullPath(request: Request): string {
  const original = (request.raw as { originalUrl?: string }).originalUrl;
  if (original === undefined) return request.path;
  const query = original.indexOf('?');
  return query < 0 ? original : original.slice(0, query);
}
