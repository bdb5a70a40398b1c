import { realpathSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, sep } from 'node:path';
import send, { type SendOptions, type SendStream } from 'send';

export interface StaticFilesOptions {
  /** Serve `index.html` for a folder, and redirect `/dir` to `/dir/` (Starlette's `html=True`). Default false: a folder is a 404. */
  html?: boolean;
  /** Answer a GET or HEAD for a missing path whose last segment has no extension with the folder's `index.html` (a single-page app's client routes). Default false. */
  spa?: boolean;
  /** Files and folders whose name starts with a dot: `ignore` (404, the default), `deny` (403) or `allow`. */
  dotfiles?: 'ignore' | 'deny' | 'allow';
  /** Serve a file reached through a symlink that leads out of the folder. Default false, as Starlette's `follow_symlink`. */
  followSymlinks?: boolean;
  /** `Cache-Control: max-age`, in milliseconds or as an `ms` string (`'1d'`). Default 0. */
  maxAge?: number | string;
  /** Adds `immutable` to `Cache-Control`, for file names that carry a content hash. */
  immutable?: boolean;
}

/** A node:http handler; when given `next` (connect style), a path it has no file for goes on to it. */
export type StaticFilesHandler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

/**
 * Serves the files under `folder` with `send`: etag and last-modified,
 * conditional requests (304, 412), single Range requests (206, 416, If-Range),
 * HEAD. A path that climbs out of the folder (`..`, encoded or not) is a 403,
 * a NUL byte or a malformed escape a 400. The handler reads `req.url`, so
 * mount it where the mount's prefix has been taken off the path.
 *
 * @example
 * ```ts
 * createServer(staticFiles('public', { html: true }))
 * app.mount('/assets', staticFiles('public', { maxAge: '1y', immutable: true }))
 * ```
 */
export function staticFiles(folder: string, options: StaticFilesOptions = {}): StaticFilesHandler {
  let root: string;
  try {
    // Starlette checks the folder at start-up too: a typo fails now, not as 404s later.
    root = realpathSync(folder);
  } catch (err) {
    throw new Error(`staticFiles: the folder ${folder} cannot be read (${(err as NodeJS.ErrnoException).code})`, { cause: err });
  }
  const sendOptions: SendOptions = {
    root,
    dotfiles: options.dotfiles ?? 'ignore',
    index: options.html ? ['index.html'] : false,
    maxAge: options.maxAge ?? 0,
    immutable: options.immutable ?? false,
  };
  const inside = root.endsWith(sep) ? root : root + sep;

  const serve = (req: IncomingMessage, res: ServerResponse, path: string, notFound: () => void) => {
    const stream = send(req, path, sendOptions);
    stream.on('error', (err: { status?: number; headers?: Record<string, string> }) => {
      const status = err.status ?? 500;
      if (status === 404) notFound();
      else answer(req, res, status, err.headers);
    });
    stream.on('directory', () => {
      if (!options.html) return notFound();
      // Relative, so that it stays right under whatever prefix the handler is mounted at.
      const url = req.url ?? '/';
      const query = url.indexOf('?');
      const pathname = query === -1 ? url : url.slice(0, query);
      answer(req, res, 307, { location: `${pathname.slice(pathname.lastIndexOf('/') + 1)}/${query === -1 ? '' : url.slice(query)}` });
    });
    if (!options.followSymlinks) guardSymlinks(stream, inside, notFound);
    stream.pipe(res);
  };

  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      if (next) return next();
      return answer(req, res, 405, { allow: 'GET, HEAD' });
    }
    const url = req.url ?? '/';
    const end = url.search(/[?#]/);
    const path = end === -1 ? url : url.slice(0, end);
    if (!path.startsWith('/')) return answer(req, res, 400);
    const notFound = () => (next ? next() : answer(req, res, 404));
    if (!options.spa) return serve(req, res, path, notFound);
    serve(req, res, path, () => {
      if (extname(path.slice(path.lastIndexOf('/') + 1)) !== '') return notFound();
      serve(req, res, '/index.html', notFound);
    });
  };
}

/**
 * send joins the path to the root and refuses `..`, but follows symlinks. Its
 * `send(path, stat)` step runs once the file is found: check the real path there.
 */
function guardSymlinks(stream: SendStream, inside: string, notFound: () => void): void {
  const sendFound = stream.send.bind(stream);
  stream.send = (path, stat) => {
    realpath(path).then(
      (real) => (real.startsWith(inside) ? sendFound(path, stat) : notFound()),
      () => notFound(),
    );
  };
}

function answer(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    // The file failed after its head was written: all that is left is to cut the body short.
    res.destroy();
    return;
  }
  const body = STATUS_CODES[status] ?? String(status);
  res.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}
