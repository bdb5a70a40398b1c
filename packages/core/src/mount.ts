import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { FastTsError } from './errors/codes.js';
import type { Logger } from './logger.js';
import type { RouteNames } from './router/reverse.js';
import { isWebSocketUpgrade, refuseHandshake, serveAsHttp } from './websocket/handshake.js';

/** Any node:http request listener: an Express or Connect app, a static-file server, a proxy. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** A node:http `upgrade` listener. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** A mount as `app.mount()` registered it. */
export interface Mount {
  /** Normalised: starts with `/`, no trailing `/`, never `/` alone. */
  path: string;
  handler: NodeHandler;
  /** For logs: the mounted app's or handler's name. */
  label: string;
  /** A mounted fastts app's compile(), run with its parent's. */
  compile: (() => void) | undefined;
  /** A mounted fastts app's `upgradeHandler`; a node:http handler has none. */
  upgrade: UpgradeHandler | undefined;
  /** The `name` option: `urlPathFor(name, { path })`, and `'<name>:<route>'` for a mounted app's routes. */
  name: string | undefined;
  /** A mounted fastts app's route names; a node:http handler has none. */
  names: (() => RouteNames) | undefined;
}

/** Options of `app.mount()`. */
export interface MountOptions {
  /**
   * Starlette's `Mount(name=...)`: `urlPathFor(name, { path: '/css/a.css' })`
   * gives a path under the mount (`/static/css/a.css`), and
   * `urlPathFor('<name>:<route>', params)` a route of a mounted fastts app.
   * Without a name, the mounted app's route names are looked up as they are.
   */
  name?: string;
}

/** `/sub/`, `sub` → `/sub`; a mount at `/` would take every request from the app's own routes. */
export function mountPath(path: string): string {
  const normalised = `/${path}`.replace(/\/{2,}/g, '/').replace(/\/+$/, '');
  if (normalised === '') throw new FastTsError('FASTTS_ERR_ROUTE_TEMPLATE', path, 'a mount needs a path below /');
  if (/[?#{}]/.test(normalised)) throw new FastTsError('FASTTS_ERR_ROUTE_TEMPLATE', path, 'a mount path is literal: no parameters, query or fragment');
  return normalised;
}

/**
 * The mounts of an app, compiled once. A request whose path is a mount's path
 * or under it goes to the mount with that prefix stripped from `req.url`
 * (Starlette's Mount); `req.originalUrl` keeps the full URL, as Express does.
 */
export class MountTable {
  readonly #mounts: readonly Mount[];
  readonly #logger: Logger;

  constructor(mounts: readonly Mount[], logger: Logger) {
    this.#mounts = mounts;
    this.#logger = logger;
  }

  /** Hands the request to the first mount it is under and returns true; false when it is under none. */
  forward(req: IncomingMessage, res: ServerResponse): boolean {
    const mount = this.#enter(req);
    if (mount === undefined) return false;
    this.#call(mount, req, res);
    return true;
  }

  /**
   * Hands an upgrade to the first mount it is under, as `forward` does a
   * request (Starlette's Mount routes websocket scopes too), and returns true;
   * false when it is under none. A mounted fastts app answers it with its own
   * WebSocket routes; a node:http handler takes no handshake (403), and gets
   * other upgrades (h2c) as the plain requests they also are.
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const mount = this.#enter(req);
    if (mount === undefined) return false;
    if (mount.upgrade !== undefined) {
      mount.upgrade(req, socket, head);
    } else if (isWebSocketUpgrade(req)) {
      socket.on('error', () => socket.destroy());
      refuseHandshake(socket, 403);
    } else {
      serveAsHttp(req, socket, (r, s) => this.#call(mount, r, s));
    }
    return true;
  }

  /** The first mount the request is under, with its path stripped from `req.url`; undefined when it is under none. */
  #enter(req: IncomingMessage): Mount | undefined {
    const url = req.url ?? '/';
    for (const mount of this.#mounts) {
      if (!url.startsWith(mount.path)) continue;
      const next = url.charCodeAt(mount.path.length);
      // Only at a segment's end: `/subway` is not under `/sub`. `/sub` itself is the mount's `/`.
      if (next === 47 /* / */) req.url = url.slice(mount.path.length);
      else if (Number.isNaN(next) || next === 63 /* ? */) req.url = `/${url.slice(mount.path.length)}`;
      else continue;
      (req as { originalUrl?: string }).originalUrl ??= url;
      return mount;
    }
    return undefined;
  }

  /** A mounted handler that throws gets a 500, logged, instead of crashing the process. */
  #call(mount: Mount, req: IncomingMessage, res: ServerResponse): void {
    const fail = (err: unknown) => {
      this.#logger.error({ err, mount: mount.path, handler: mount.label }, 'mounted handler failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Internal Server Error');
      else res.destroy();
    };
    try {
      const out = mount.handler(req, res) as { then?: unknown; catch?: unknown } | undefined;
      if (out && typeof out.then === 'function') (out as Promise<unknown>).then(undefined, fail);
    } catch (err) {
      fail(err);
    }
  }

  /** Routes of the app that never run: a mount declared on the app takes their paths. */
  shadowed(routes: readonly { label: string; path: string }[]): { route: string; path: string; mount: string }[] {
    const out: { route: string; path: string; mount: string }[] = [];
    for (const route of routes) {
      const mount = this.#mounts.find((m) => route.path === m.path || route.path.startsWith(`${m.path}/`));
      if (mount) out.push({ route: route.label, path: route.path, mount: mount.path });
    }
    return out;
  }
}

/** `/api/`, `api` → `/api`; '' and `/` → ''. FastAPI's root_path, as a prefix to put before the app's paths. */
export function rootPathOption(value: string | undefined): string {
  if (!value) return '';
  return `/${value}`.replace(/\/{2,}/g, '/').replace(/\/+$/, '');
}
