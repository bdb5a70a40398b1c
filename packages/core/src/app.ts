import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { compileRoutes, type Included, type IncludeOptions, type RouteInfo } from './compile.js';
import { includedEntries, type APIRouter } from './api-router.js';
import { MountTable, mountPath, rootPathOption, type Mount, type MountOptions, type NodeHandler } from './mount.js';
import type { ParamMarker } from './decorators/params.js';
import { PlanCompiler } from './di/plan.js';
import { DependencyScope } from './di/scope.js';
import { FastTsError } from './errors/codes.js';
import { ExceptionHandlers, type ExceptionHandler } from './errors/handlers.js';
import type { Request } from './http/request.js';
import type { Class } from './internal/types.js';
import { defaultLogger, silentLogger, type Logger } from './logger.js';
import { dispatch, type Pipeline } from './pipeline/dispatch.js';
import { dispatchAround } from './pipeline/around.js';
import { compileChain, compileHandshakeGuard, type HandshakeGuard, type Middleware } from './middleware/chain.js';
import { removeAbandonedUploads } from './http/spool.js';
import { DEFAULT_JSON_DEPTH } from './pipeline/body.js';
import { defaultUploadLimits, type UploadLimits } from './pipeline/form.js';
import { BackgroundSupervisor, type TaskErrorInfo, type TaskFailure } from './pipeline/supervisor.js';
import { safeError } from './pipeline/untrusted.js';
import { LifespanRunner, type AppState, type Lifespan } from './lifespan.js';
import { requestClassFor } from './http/app-request.js';
import { compileTrust, type Trust, type TrustProxy } from './http/proxy.js';
import { openStreams } from './http/open-streams.js';
import { compileRequestStart } from './pipeline/access-log.js';
import { compileWebSocketRoutes, type WebSocketRoutes } from './websocket/compile.js';
import { RouteNames, type PathParams, type UrlPath } from './router/reverse.js';
import { defaultWebSocketLimits, WebSocketHub, type WebSocketLimits } from './websocket/hub.js';

export type { IncludeOptions, MountOptions, PathParams, RouteInfo, TaskErrorInfo, WebSocketLimits };

export interface AppOptions {
  /** A pino-compatible logger; `false` for none. Default: pino at LOG_LEVEL. */
  logger?: Logger | false;
  /** Dependencies solved before every route (their values are discarded). */
  dependencies?: ParamMarker[];
  /** Called for every background task that throws, after it has been logged. */
  onTaskError?: (error: unknown, info: TaskErrorInfo) => unknown;
  /** Answer `/a/` with a 307 to `/a` (and back) when only the other exists. Default true. */
  redirectSlashes?: boolean;
  /** Largest request body read, in bytes; larger ones get 413. Default 1 MiB. */
  bodyLimit?: number;
  /** Limits for urlencoded and multipart bodies (file size, counts, spooling to disk). */
  uploads?: Partial<UploadLimits>;
  /** Status of the default validation-error response. Default 422. */
  validationErrorStatus?: number;
  /** Parse a JSON body sent without a content type (FastAPI's `strict_content_type=False`). Default: refuse it. */
  strictContentType?: boolean;
  /** Deepest nesting of arrays and objects accepted in a JSON body. Default 128. */
  jsonDepthLimit?: number;
  /**
   * Time a client has to send a whole request, headers and body; a slower one
   * gets 408 and its connection is closed, without holding up other requests.
   * Default 60 s; the 408 comes within a twentieth of it (1 s at most) after it passes.
   */
  requestTimeoutMs?: number;
  /** How long `close()` waits for handlers still running and for background tasks. Default 10 s. */
  shutdownTimeoutMs?: number;
  /**
   * Start and stop code around the server's life: before `yield`, it runs
   * before the server accepts connections; after, once `close()` has drained.
   * A yielded object is merged into `app.state`. See docs/lifespan.md.
   */
  lifespan?: Lifespan;
  /**
   * The path prefix a proxy serves the app under and strips before it
   * forwards (FastAPI's `root_path`): the OpenAPI `servers` and the docs pages
   * use it. A mounted app's root path is where it is mounted. See docs/routers.md.
   */
  rootPath?: string;
  /**
   * Which proxies in front of the app to believe about the client (Express's
   * `trust proxy`): `true`, a hop count, addresses or subnets such as
   * `'loopback'` or `['10.0.0.0/8']`, or a function. Trusted hops set
   * `request.client` from X-Forwarded-For and `request.url`'s scheme and host
   * from X-Forwarded-Proto and -Host. Default: none, so those headers are
   * ignored. A mounted app without it uses its parent's. See docs/proxies.md.
   */
  trustProxy?: TrustProxy;
  /**
   * One info line per request when the response is done (method, path
   * without the query string, status, duration, request id, client), written
   * only when the logger writes `info` lines. Default true. See docs/logging.md.
   */
  accessLog?: boolean;
  /**
   * Send each request's id back in an `x-request-id` response header.
   * Default: when the access line is written (it costs CPU per request).
   */
  requestIdHeader?: boolean;
  /**
   * Take the client's `x-request-id` as the request's id (when it is 1 to 200
   * printable ASCII characters), or only when the function returns true (a
   * throw is a no); else a UUID is generated. Default true.
   */
  trustRequestId?: boolean | ((request: Request) => boolean);
  /**
   * Limits of WebSocket connections: largest message (1 MiB; larger closes
   * with 1009), bytes buffered before `send*` waits (1 MiB), ping interval and
   * timeout (20 s each, as uvicorn). See docs/websockets.md.
   */
  websocket?: Partial<WebSocketLimits>;
}

/** `app.dependencyOverrides`: replacing a dependency recompiles the routes that use it, once. */
export class DependencyOverrides extends Map<Function, Function> {
  version = 0;

  override set(original: Function, replacement: Function): this {
    this.version++;
    return super.set(original, replacement);
  }

  override delete(original: Function): boolean {
    this.version++;
    return super.delete(original);
  }

  override clear(): void {
    this.version++;
    super.clear();
  }
}

/**
 * A fastts application: controllers, exception handlers and the node:http
 * server that runs them.
 *
 * @example
 * ```ts
 * const app = new App().include(ItemsController);
 * await app.listen(8000);
 * ```
 */
// Set by App's static block: the one way in to an app's internals.
let internalsOf: (app: App) => AppInternals;

export class App {
  readonly logger: Logger;
  /**
   * Shared by every request (`request.app.state`) and dependency: what the
   * lifespan yielded, and whatever you set. Typed by merging into `AppState`.
   */
  readonly state: AppState = {};
  readonly dependencyOverrides = new DependencyOverrides();
  readonly #options: AppOptions;
  readonly #handlers: ExceptionHandlers;
  readonly #supervisor: BackgroundSupervisor;
  readonly #serverErrors = new Set<(error: unknown, request: Request | undefined) => void>();
  readonly #slots = new Map<symbol, unknown>();
  readonly #controllers: Included[] = [];
  readonly #mounts: Mount[] = [];
  /** The fastts apps among the mounts: their WebSocket routes make this app listen for upgrades, and its drain closes their sockets. */
  readonly #mountedApps: App[] = [];
  /** Undefined while nothing is mounted, so the request path tests one field. */
  #mountTable: MountTable | undefined;
  #mountedIn: { parent: App; path: string } | undefined;
  readonly #middleware: Middleware[] = [];
  /** The middleware that act on WebSocket handshakes too (trustedHost, httpsRedirect); undefined for none. */
  #handshakeGuard: HandshakeGuard | undefined;
  #includes = 0;
  #compiledIncludes = -1;
  #compiledOverrides = -1;
  #pipeline: Pipeline | undefined;
  #routes: RouteInfo[] = [];
  /** Route and mount names for `urlPathFor`, built with the routes. */
  #names: RouteNames | undefined;
  /** Undefined while the app declares no WebSocket route: then no upgrade listener and no `ws`. */
  #websocketRoutes: WebSocketRoutes | undefined;
  /** Made with the first WebSocket handshake. */
  #websockets: WebSocketHub | undefined;
  #scopeCompiler: PlanCompiler | undefined;
  readonly #closeHooks: (() => unknown)[] = [];
  readonly #lifespan: LifespanRunner;
  readonly #drainHooks: (() => void)[] = [];
  #server: Server | undefined;
  #closing: Closing | undefined;
  /** Built once: spool files are owned by the settings object they were saved under. */
  readonly #uploads: UploadLimits;
  /** The compiled `trustProxy` option; a bad address fails the constructor. */
  readonly #trust: Trust | undefined;

  static {
    // The one way in to an app's internals, for `@fastts/core/extend` only.
    internalsOf = (app) => ({ supervisor: app.#supervisor, serverErrors: app.#serverErrors, slots: app.#slots, drainHooks: app.#drainHooks });
  }

  constructor(options: AppOptions = {}) {
    this.#options = options;
    this.#handlers = new ExceptionHandlers(options.validationErrorStatus);
    this.logger = options.logger === false ? silentLogger : (options.logger ?? defaultLogger());
    this.#supervisor = new BackgroundSupervisor(this, this.logger, options.onTaskError);
    this.#uploads = { ...defaultUploadLimits, ...options.uploads };
    this.#lifespan = new LifespanRunner(options.lifespan);
    this.#trust = compileTrust(options.trustProxy);
    this.#drainHooks.push(() => this.#drainWebSockets());
  }

  /**
   * Registers a controller: a class, instantiated once with no arguments, or a
   * ready instance (for a controller whose constructor takes services).
   */
  include(controller: Class | object | APIRouter, options: IncludeOptions = {}): this {
    this.#controllers.push(...includedEntries(controller, options));
    this.#includes++;
    return this;
  }

  /**
   * Sends every request under `path` to another fastts app (with its own
   * routes, middleware and docs) or to any node:http handler, with `path`
   * stripped from `req.url` (Starlette's Mount). Mounts are matched before
   * the app's own routes. A mounted app starts and closes with this one.
   * With a `name`, `urlPathFor(name, { path })` gives a path under the mount
   * and `urlPathFor('<name>:<route>')` a mounted app's route (see docs/routers.md).
   */
  mount(path: string, target: App | NodeHandler, options: MountOptions = {}): this {
    const normalised = mountPath(path);
    if (target === this) throw new FastTsError('FASTTS_ERR_ROUTE_TEMPLATE', path, 'an app cannot be mounted in itself');
    if (target instanceof App) {
      target.#mountedIn ??= { parent: this, path: normalised };
      this.#mountedApps.push(target);
      this.onStartup(() => target.start());
      this.onClose(() => target.close());
    }
    const app = target instanceof App ? target : undefined;
    this.#mounts.push({
      path: normalised,
      handler: app ? app.handler : (target as NodeHandler),
      label: app ? 'App' : (target as NodeHandler).name || 'handler',
      compile: app ? () => app.compile() : undefined,
      upgrade: app?.upgradeHandler,
      name: options.name,
      names: app ? () => app.#routeNames() : undefined,
    });
    this.#includes++;
    return this;
  }

  /** Where the app is served from: where it is mounted, or the `rootPath` option; '' at the root. */
  get rootPath(): string {
    const mounted = this.#mountedIn;
    return mounted ? mounted.parent.rootPath + mounted.path : rootPathOption(this.#options.rootPath);
  }

  /**
   * Adds a middleware around routing; they run in the order added, the first
   * outermost (see docs/middleware.md). Connect-style `(req, res, next)`
   * middleware goes through `connectMiddleware()`.
   */
  use(middleware: Middleware): this {
    this.#middleware.push(middleware);
    this.#handshakeGuard = compileHandshakeGuard(this.#middleware);
    if (this.#pipeline) this.#pipeline.middleware = compileChain(this.#middleware);
    return this;
  }

  /**
   * Handles errors of a class (and its subclasses), or HTTPExceptions of one
   * status. Registering `Error` (or 500) replaces the default 500 response.
   */
  exceptionHandler<E>(key: Class<E> | number, handler: ExceptionHandler<E>): this {
    this.#handlers.set(key as Class<unknown> | number, handler);
    return this;
  }

  /** Status of validation-error responses from the default handler (422 unless configured). */
  get validationErrorStatus(): number {
    return this.#options.validationErrorStatus ?? 422;
  }

  /** The compiled routes, in declaration order. */
  get routes(): readonly RouteInfo[] {
    this.#ensureCompiled();
    return this.#routes;
  }

  /**
   * The path of the route named `name` (its `name` option, else its method's
   * name) with `params` in its template, percent-encoded (Starlette's
   * `url_path_for`), from this app's `/`: its root path is not in it
   * (`request.urlFor` puts it before). The first route registered with that
   * name whose parameters are exactly `params` wins; then the mounts, in order:
   * a mount's `name` with `{ path }`, `'<mount name>:<route>'` in a mounted app.
   * Throws FASTTS_ERR_NO_ROUTE_MATCH when none takes them.
   *
   * @example
   * ```ts
   * app.urlPathFor('readItem', { item_id: 42 }); // '/items/42'
   * app.urlPathFor('static', { path: '/css/a.css' }); // '/static/css/a.css'
   * ```
   */
  urlPathFor(name: string, params: PathParams = {}): string {
    return this.#urlPath(name, params).path;
  }

  #urlPath(name: string, params: PathParams): UrlPath {
    const names = this.#routeNames();
    const found = names.find(name, params);
    if (found === undefined) throw new FastTsError('FASTTS_ERR_NO_ROUTE_MATCH', name, Object.keys(params).join(', '), names.explain(name, params));
    return found;
  }

  #routeNames(): RouteNames {
    this.#ensureCompiled();
    return this.#names!;
  }

  /**
   * For `request.urlFor`: the path from the outermost app this one is mounted
   * in, its root path first. Starlette looks names up in the outermost router
   * too, so a mounted app's own routes are `'<mount name>:<route>'` there.
   */
  #urlPathFromRoot(name: string, params: PathParams): UrlPath {
    const parent = this.#mountedIn?.parent;
    if (parent !== undefined) return parent.#urlPathFromRoot(name, params);
    const found = this.#urlPath(name, params);
    return { path: this.rootPath + found.path, websocket: found.websocket };
  }

  /** A node:http request listener, for use with any node:http-compatible server. */
  readonly handler = (req: IncomingMessage, res: ServerResponse): void => {
    let pipeline: Pipeline;
    try {
      pipeline = this.#ensureCompiled();
    } catch (err) {
      this.#supervisor.logError(err, {}, 'routes failed to compile');
      for (const listener of this.#serverErrors) {
        try {
          listener(safeError(err), undefined);
        } catch (failure) {
          this.#supervisor.logError(failure, {}, 'server error listener failed');
        }
      }
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Internal Server Error');
      return;
    }
    // Mounts are matched before routes; an app without any tests one field here.
    if (this.#mountTable !== undefined && this.#mountTable.forward(req, res)) return;
    // One field test: an app without middleware keeps the direct path.
    if (pipeline.middleware === undefined) dispatch(pipeline, req, res);
    else dispatchAround(pipeline, pipeline.middleware, req, res);
  };

  /**
   * A node:http `upgrade` listener: WebSocket handshakes on `@WebSocketRoute`
   * paths (others are refused with 403, as Starlette does), and other
   * upgrades (`h2c`) answered as plain HTTP. Under a mount, the mounted app
   * answers them. `listen()` installs it when the app or an app mounted in it
   * has WebSocket routes; add it to a server of your own the same way.
   */
  readonly upgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    let pipeline: Pipeline;
    try {
      pipeline = this.#ensureCompiled();
    } catch (err) {
      this.#supervisor.logError(err, {}, 'routes failed to compile');
      socket.destroy();
      return;
    }
    // Mounts are matched before routes, as for HTTP requests; an app without any tests one field here.
    if (this.#mountTable !== undefined && this.#mountTable.upgrade(req, socket, head)) return;
    const hub = (this.#websockets ??= new WebSocketHub(this.#supervisor, { ...defaultWebSocketLimits, ...this.#options.websocket }, pipeline.json.depthLimit));
    hub.handle({ routes: this.#websocketRoutes, Request: pipeline.Request, app: this, http: this.handler, guard: this.#handshakeGuard }, req, socket, head);
  };

  /** Whether the app, or an app mounted in it at any depth, declares a `@WebSocketRoute` (then `listen()` answers upgrades). */
  get hasWebSocketRoutes(): boolean {
    this.#ensureCompiled();
    return this.#hasWebSocketRoutes();
  }

  #hasWebSocketRoutes(): boolean {
    return this.#websocketRoutes !== undefined || this.#mountedApps.some((app) => app.hasWebSocketRoutes);
  }

  /**
   * Closes the app's sockets with 1001, and those of the apps mounted in it:
   * their handshakes came through this app's server, so they go when it
   * drains, before its close hooks drain the mounted apps themselves.
   */
  #drainWebSockets(): void {
    this.#websockets?.drain();
    for (const app of this.#mountedApps) app.#drainWebSockets();
  }

  /**
   * Ends the app's event streams, and those of the apps mounted in it: they
   * are served through this app's server, which would otherwise wait for
   * them; each mounted app's own close() lets streams open again.
   */
  #drainStreams(): void {
    openStreams(this).drain();
    for (const app of this.#mountedApps) app.#drainStreams();
  }

  /**
   * Compiles every route's dependency plan now, so that declaration errors
   * surface at start-up rather than on the first request.
   */
  compile(): void {
    const compiler = new PlanCompiler(this.dependencyOverrides);
    const { router, routes } = compileRoutes(this.#controllers, this.#options.dependencies ?? [], compiler, this.logger);
    this.#websocketRoutes = compileWebSocketRoutes(this.#controllers, this.#options.dependencies ?? [], compiler, this.logger);
    this.#routes = this.#websocketRoutes ? [...routes, ...this.#websocketRoutes.routes] : routes;
    // WebSocket routes under a mount never run either: the mount takes their handshakes.
    this.#mountTable = this.#compileMounts(this.#routes);
    this.#names = new RouteNames(this.#routes, this.#mounts);
    this.#scopeCompiler = undefined;
    this.#compiledIncludes = this.#includes;
    this.#compiledOverrides = this.dependencyOverrides.version;
    this.#pipeline = {
      router,
      handlers: this.#handlers,
      supervisor: this.#supervisor,
      logger: this.logger,
      bodyLimit: this.#options.bodyLimit ?? 1024 * 1024,
      uploads: this.#uploads,
      json: { strictContentType: this.#options.strictContentType ?? true, depthLimit: this.#options.jsonDepthLimit ?? DEFAULT_JSON_DEPTH },
      redirectSlashes: this.#options.redirectSlashes ?? true,
      app: this,
      Request: requestClassFor(this, this.#trustProxy(), this.#options.trustRequestId, (name, params) => this.#urlPathFromRoot(name, params)),
      serverErrors: this.#serverErrors,
      middleware: compileChain(this.#middleware),
      requestStart: compileRequestStart(this.logger, this.#options),
    };
  }

  /** The app's own trustProxy, else the one of the app it is mounted in. */
  #trustProxy(): Trust | undefined {
    if (this.#options.trustProxy !== undefined) return this.#trust;
    const parent = this.#mountedIn?.parent;
    return parent === undefined ? undefined : parent.#trustProxy();
  }

  #compileMounts(routes: readonly RouteInfo[]): MountTable | undefined {
    if (this.#mounts.length === 0) return undefined;
    // Declaration errors of a mounted app surface with this app's, at start-up.
    for (const mount of this.#mounts) mount.compile?.();
    const table = new MountTable(this.#mounts, this.logger);
    for (const { route, path, mount } of table.shadowed(routes)) {
      this.logger.warn({ route, path, mount }, `route ${route} (${path}) never runs: the mount at ${mount} is matched first`);
    }
    return table;
  }

  /**
   * Runs the lifespan up to its `yield`, then the `onStartup` hooks in
   * order; once until `close()`, however often it is called. `listen()` and
   * the test clients call it. Rejects with FASTTS_ERR_STARTUP_FAILED (the
   * original error as `cause`) after stopping a lifespan that had started.
   */
  start(): Promise<void> {
    return this.#lifespan.start(this, this.logger);
  }

  /**
   * Registers work to do at start, after the lifespan's code before its
   * `yield` (so `app.state` holds what it yielded). Hooks run in order; the
   * first that throws stops the start.
   */
  onStartup(hook: () => unknown): this {
    this.#lifespan.onStart(hook);
    return this;
  }

  /** Starts the app (see `start()`), then a node:http server; resolves with its address once it accepts connections. */
  async listen(port = 8000, host = '127.0.0.1'): Promise<AddressInfo> {
    if (this.#server) throw new FastTsError('FASTTS_ERR_ALREADY_LISTENING');
    this.compile();
    // Declaration errors first (compile), then start-up work, then the port.
    await this.start();
    if (this.#server) throw new FastTsError('FASTTS_ERR_ALREADY_LISTENING');
    const requestTimeout = this.#options.requestTimeoutMs ?? 60_000;
    const server = createServer(
      {
        requestTimeout,
        headersTimeout: Math.min(requestTimeout, 60_000),
        // How often node looks for expired requests, so how late a 408 may
        // come: its 30 s default (and the quarter of the timeout used before)
        // let a 60 s timeout answer after up to 75 s. A twentieth, at most 1 s.
        connectionsCheckingInterval: Math.min(1000, Math.max(50, requestTimeout / 20)),
      },
      this.handler,
    );
    // Only an app with WebSocket routes (its own or a mounted app's) listens: without a listener node serves an Upgrade request as plain HTTP.
    if (this.#hasWebSocketRoutes()) server.on('upgrade', this.upgradeHandler);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    return server.address() as AddressInfo;
  }

  /** The listening server, if any. */
  get server(): Server | undefined {
    return this.#server;
  }

  /**
   * Stops accepting connections, lets the requests in flight finish (their
   * handlers, then their background tasks), and the work registered by task
   * runtimes, and gives up after `drainTimeoutMs` (alias `timeoutMs`): then
   * running tasks see their AbortSignal fire, the names of the tasks still
   * running or waiting are logged and returned, and open connections are
   * closed. Calling it again while it drains returns the same result; a
   * shorter timeout given then brings the deadline forward (a second Ctrl-C).
   */
  close(options: { timeoutMs?: number; drainTimeoutMs?: number } = {}): Promise<{ abandoned: string[] }> {
    const timeoutMs = options.drainTimeoutMs ?? options.timeoutMs ?? this.#options.shutdownTimeoutMs ?? 10_000;
    if (this.#closing) {
      this.#closing.shorten(timeoutMs);
      return this.#closing.result;
    }
    const closing = (this.#closing = new Closing(timeoutMs));
    closing.result = this.#drain(closing).finally(() => {
      if (this.#closing === closing) this.#closing = undefined;
    });
    return closing.result;
  }

  async #drain(closing: Closing): Promise<{ abandoned: string[] }> {
    // Event streams end now rather than at the deadline: their clients reconnect elsewhere.
    this.#drainStreams();
    // Before anything waits: a durable task runtime stops taking queued work here.
    for (const hook of this.#drainHooks) {
      try {
        hook();
      } catch (err) {
        this.#supervisor.logError(err, {}, 'drain hook failed');
      }
    }
    const server = this.#server;
    this.#server = undefined;
    // After server.close(), node still reads new requests from open keep-alive
    // connections and answers them with `Connection: keep-alive`, and the sweep
    // below only catches a connection in the instant it is idle: a client that
    // sends as soon as it has its answer kept the drain going to its deadline,
    // which then cut its requests off. From here each connection gets one more
    // answer, with `Connection: close`, and ends.
    server?.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
      response.shouldKeepAlive = false;
    });
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    // Keep-alive connections become idle as their last response ends; close
    // them as they do, or server.close() would wait for their idle timeout.
    const sweep = server ? setInterval(() => server.closeIdleConnections(), 25) : undefined;
    server?.closeIdleConnections();
    // Once no connection is left, no request can start: then wait for the
    // handlers still running and for every background run they leave.
    const drained = closed.then(() => this.#supervisor.idle());
    const outcome = await Promise.race([drained, closing.deadline]);
    closing.settle();
    clearInterval(sweep);
    openStreams(this).reopen();
    let abandoned: string[] = [];
    if (outcome === 'timeout') {
      abandoned = this.#supervisor.pendingNames();
      const handlers = this.#supervisor.inFlight;
      this.#supervisor.abortAll(new FastTsError('FASTTS_ERR_SHUTDOWN_DEADLINE', closing.timeoutMs));
      this.logger.warn({ abandoned, handlersRunning: handlers, timeoutMs: closing.timeoutMs }, 'shutdown deadline passed; abandoning background tasks');
      server?.closeAllConnections();
      // Files uploaded to requests whose tasks were just abandoned: nothing will close them now.
      await removeAbandonedUploads(this.#uploads).catch((err: unknown) => this.#supervisor.logError(err, {}, 'could not remove abandoned uploads'));
    }
    for (const hook of this.#closeHooks) {
      try {
        await hook();
      } catch (err) {
        this.#supervisor.logError(err, {}, 'close hook failed');
      }
    }
    // Last, as FastAPI runs lifespan shutdown after the tasks: what it closes (a pool) nothing uses any more.
    await this.#lifespan.stop(this.logger);
    return { abandoned };
  }

  /** A dependency scope outside any request, using the app's overrides (see DependencyScope). */
  createScope(label?: string): DependencyScope {
    this.#ensureCompiled();
    return new DependencyScope((this.#scopeCompiler ??= new PlanCompiler(this.dependencyOverrides)), label);
  }

  /**
   * Registers work to do at the end of `close()`, after the drain (closing a
   * database pool, a task runtime stopping its worker threads), before the
   * lifespan's code after its `yield`. Hooks run in order; a failing hook is
   * logged and does not stop the others.
   */
  onClose(hook: () => unknown): this {
    this.#closeHooks.push(hook);
    return this;
  }

  /** Resolves once no request is in its handler and none has background tasks or cleanups left. */
  backgroundIdle(): Promise<void> {
    return this.#supervisor.idle();
  }

  /** Recent background task failures (bounded), oldest first. */
  get taskFailures(): readonly TaskFailure[] {
    return this.#supervisor.failures;
  }

  // Runs per request: two number comparisons, and a recompile only after include() or an override change.
  #ensureCompiled(): Pipeline {
    if (this.#compiledIncludes !== this.#includes || this.#compiledOverrides !== this.dependencyOverrides.version) this.compile();
    return this.#pipeline!;
  }
}

/** What `@fastts/core/extend` reaches in an app. */
export interface AppInternals {
  supervisor: BackgroundSupervisor;
  serverErrors: Set<(error: unknown, request: Request | undefined) => void>;
  slots: Map<symbol, unknown>;
  drainHooks: (() => void)[];
}

/** For `@fastts/core/extend` only: not exported from the package's main entry. */
export function appInternals(app: App): AppInternals {
  return internalsOf(app);
}

/** A drain in progress: its deadline can be brought forward, never pushed back. */
class Closing {
  result!: Promise<{ abandoned: string[] }>;
  readonly deadline: Promise<'timeout'>;
  #fire!: (value: 'timeout') => void;
  #timer: NodeJS.Timeout | undefined;
  #endsAt: number;

  constructor(public timeoutMs: number) {
    this.deadline = new Promise((resolve) => (this.#fire = resolve));
    this.#endsAt = Date.now() + timeoutMs;
    this.#timer = setTimeout(this.#fire, timeoutMs, 'timeout');
  }

  shorten(timeoutMs: number): void {
    if (this.#timer === undefined || Date.now() + timeoutMs >= this.#endsAt) return;
    clearTimeout(this.#timer);
    this.timeoutMs = timeoutMs;
    this.#endsAt = Date.now() + timeoutMs;
    this.#timer = setTimeout(this.#fire, timeoutMs, 'timeout');
  }

  settle(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
