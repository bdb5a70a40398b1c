import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getControllerMeta, getDesignParamTypes, getParamSpecs, getRouteMetas } from './decorators/metadata.js';
import type { HttpMethod } from './decorators/methods.js';
import type { DependsSpec, ParamMarker } from './decorators/params.js';
import { PlanCompiler, type Plan, type ValueStep } from './di/plan.js';
import { DependencyScope } from './di/scope.js';
import { FastTsError } from './errors/codes.js';
import { ExceptionHandlers, type ExceptionHandler } from './errors/handlers.js';
import { JSONResponse } from './http/response.js';
import type { Class } from './internal/types.js';
import { defaultLogger, silentLogger, type Logger } from './logger.js';
import { dispatch, type Pipeline } from './pipeline/handle.js';
import { defaultUploadLimits, type UploadLimits } from './pipeline/form.js';
import type { CompiledRoute, ResponseClass } from './pipeline/route.js';
import { BackgroundTracker, type BackgroundSettings, type CollectedTask, type TaskFailure, type Tracked } from './pipeline/tracker.js';
import { Router } from './router/router.js';
import { responseSerializer } from './validation/response-model.js';
import type { TypeToken } from './decorators/type-tokens.js';
import { parseTemplate } from './router/template.js';

export type TaskErrorInfo = Omit<TaskFailure, 'error'>;

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
   * Default 60 s.
   */
  requestTimeoutMs?: number;
  /** How long `close()` waits for in-flight requests and background tasks. Default 10 s. */
  shutdownTimeoutMs?: number;
}

export interface IncludeOptions {
  prefix?: string;
  dependencies?: ParamMarker[];
  tags?: string[];
}

/** A compiled route, as the OpenAPI generator and tools see it. */
export interface RouteInfo extends CompiledRoute {
  readonly tags: readonly string[];
  readonly controller: Class;
  readonly propertyKey: string | symbol;
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
export class App {
  readonly logger: Logger;
  readonly dependencyOverrides = new DependencyOverrides();
  readonly #options: AppOptions;
  readonly #handlers: ExceptionHandlers;
  readonly #tracker = new BackgroundTracker();
  readonly #background: BackgroundSettings = { mode: 'run', collected: [] };
  readonly #controllers: { instance: object; options: IncludeOptions }[] = [];
  #includes = 0;
  #compiledIncludes = -1;
  #compiledOverrides = -1;
  #pipeline: Pipeline | undefined;
  #routes: RouteInfo[] = [];
  #scopeCompiler: PlanCompiler | undefined;
  readonly #closeHooks: (() => unknown)[] = [];
  #server: Server | undefined;

  constructor(options: AppOptions = {}) {
    this.#options = options;
    this.#handlers = new ExceptionHandlers(options.validationErrorStatus);
    this.logger = options.logger === false ? silentLogger : (options.logger ?? defaultLogger());
  }

  /** Registers a controller class (instantiated once, with no arguments) or a ready instance. */
  include(controller: Class | object, options: IncludeOptions = {}): this {
    const instance = typeof controller === 'function' ? new (controller as new () => object)() : controller;
    if (!getControllerMeta(instance.constructor)) throw new FastTsError('FASTTS_ERR_NOT_A_CONTROLLER', instance.constructor.name);
    this.#controllers.push({ instance, options });
    this.#includes++;
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

  /** A node:http request listener, for use with any node:http-compatible server. */
  readonly handler = (req: IncomingMessage, res: ServerResponse): void => {
    let pipeline: Pipeline;
    try {
      pipeline = this.#ensureCompiled();
    } catch (err) {
      this.logger.error({ err }, 'routes failed to compile');
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Internal Server Error');
      return;
    }
    dispatch(pipeline, req, res);
  };

  /**
   * Compiles every route's dependency plan now, so that declaration errors
   * surface at start-up rather than on the first request.
   */
  compile(): void {
    const compiler = new PlanCompiler(this.dependencyOverrides);
    const router = new Router<CompiledRoute>();
    const routes: RouteInfo[] = [];
    const appDeps = this.#options.dependencies ?? [];
    for (const { instance, options } of this.#controllers) {
      const cls = instance.constructor as Class;
      const meta = getControllerMeta(cls)!;
      for (const route of getRouteMetas(cls.prototype)) {
        const key = route.propertyKey;
        const label = `${cls.name}.${String(key)}`;
        const path = joinPaths(options.prefix, meta.prefix, route.path);
        const extra = [...appDeps, ...(options.dependencies ?? []), ...(meta.options.dependencies ?? []), ...(route.options.dependencies ?? [])];
        const plan = compiler.handler(
          label,
          instance,
          (instance as Record<string | symbol, Function>)[key]!,
          getParamSpecs(cls.prototype, key),
          getDesignParamTypes(cls.prototype, key),
          extra.map((marker) => dependsSpec(marker)),
        );
        const { body, embedBody } = analyse(label, path, plan);
        const methods: HttpMethod[] = route.methods.includes('GET') && !route.methods.includes('HEAD') ? [...route.methods, 'HEAD'] : route.methods;
        const compiled: RouteInfo = {
          label,
          methods,
          path,
          plan,
          body,
          embedBody,
          statusCode: route.options.statusCode ?? 200,
          responseClass: (route.options.responseClass ?? JSONResponse) as ResponseClass,
          // JSONResponse only reads it; a class of the app's own gets a fresh one per response.
          responseInit: (route.options.responseClass ?? JSONResponse) === JSONResponse ? Object.freeze({ status: route.options.statusCode ?? 200 }) : undefined,
          serialize: route.options.responseModel
            ? responseSerializer(route.options.responseModel as TypeToken, { jsonText: rendersPlainJson(route.options.responseClass ?? JSONResponse) })
            : undefined,
          options: route.options,
          tags: [...(options.tags ?? []), ...(meta.options.tags ?? []), ...(route.options.tags ?? [])],
          controller: cls,
          propertyKey: key,
        };
        router.add(methods, path, compiled);
        routes.push(compiled);
      }
    }
    this.#routes = routes;
    this.#scopeCompiler = undefined;
    this.#compiledIncludes = this.#includes;
    this.#compiledOverrides = this.dependencyOverrides.version;
    this.#pipeline = {
      router,
      handlers: this.#handlers,
      tracker: this.#tracker,
      logger: this.logger,
      bodyLimit: this.#options.bodyLimit ?? 1024 * 1024,
      uploads: { ...defaultUploadLimits, ...this.#options.uploads },
      json: { strictContentType: this.#options.strictContentType ?? true, depthLimit: this.#options.jsonDepthLimit ?? 128 },
      redirectSlashes: this.#options.redirectSlashes ?? true,
      reportTaskError: (failure) => this.reportTaskError(failure),
      background: this.#background,
      app: this,
    };
  }

  /** Starts a node:http server; resolves with its address once it accepts connections. */
  async listen(port = 8000, host = '127.0.0.1'): Promise<AddressInfo> {
    if (this.#server) throw new FastTsError('FASTTS_ERR_ALREADY_LISTENING');
    this.compile();
    const requestTimeout = this.#options.requestTimeoutMs ?? 60_000;
    const server = createServer(
      {
        requestTimeout,
        headersTimeout: Math.min(requestTimeout, 60_000),
        // How often node looks for expired requests; its 30 s default would make short timeouts late.
        connectionsCheckingInterval: Math.min(30_000, Math.max(50, requestTimeout / 4)),
      },
      this.handler,
    );
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
   * Stops accepting connections, lets in-flight requests and their background
   * tasks (and work registered with `track()`) finish, and gives up after
   * `drainTimeoutMs` (alias `timeoutMs`): then running tasks see their
   * AbortSignal fire, the names of the tasks still running or waiting are
   * logged and returned, and open connections are closed.
   */
  async close(options: { timeoutMs?: number; drainTimeoutMs?: number } = {}): Promise<{ abandoned: string[] }> {
    const timeoutMs = options.drainTimeoutMs ?? options.timeoutMs ?? this.#options.shutdownTimeoutMs ?? 10_000;
    const server = this.#server;
    this.#server = undefined;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    // Keep-alive connections become idle as their last response ends; close
    // them as they do, or server.close() would wait for their idle timeout.
    const sweep = server ? setInterval(() => server.closeIdleConnections(), 25) : undefined;
    server?.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, timeoutMs, 'timeout')));
    const outcome = await Promise.race([Promise.all([closed, this.#tracker.idle()]), deadline]);
    clearTimeout(timer);
    clearInterval(sweep);
    let abandoned: string[] = [];
    if (outcome === 'timeout') {
      abandoned = this.#tracker.pendingNames();
      this.#tracker.abortAll(new Error(`shutdown deadline of ${timeoutMs} ms passed`));
      this.logger.warn({ abandoned, timeoutMs }, 'shutdown deadline passed; abandoning background tasks');
      server?.closeAllConnections();
    }
    for (const hook of this.#closeHooks) {
      try {
        await hook();
      } catch (err) {
        this.logger.error({ err }, 'close hook failed');
      }
    }
    return { abandoned };
  }

  /**
   * What happens to background tasks: `run` (default); for tests, `collect`
   * (record name and arguments in `collectedTasks` without running them) or
   * `skip`.
   */
  get backgroundMode(): BackgroundSettings['mode'] {
    return this.#background.mode;
  }

  set backgroundMode(mode: BackgroundSettings['mode']) {
    this.#background.mode = mode;
  }

  /** Tasks recorded while `backgroundMode` is `collect`, oldest first. */
  get collectedTasks(): CollectedTask[] {
    return this.#background.collected;
  }

  /**
   * Lets the app wait for work it did not start itself (a task runtime's
   * queue): `backgroundIdle()` and `close()` wait for it, and `close()` aborts
   * it at its deadline and names it among the abandoned tasks.
   */
  track(work: Tracked): { end(): void } {
    this.#tracker.begin(work);
    return { end: () => this.#tracker.end(work) };
  }

  /** A dependency scope outside any request, using the app's overrides (see DependencyScope). */
  createScope(label?: string): DependencyScope {
    this.#ensureCompiled();
    return new DependencyScope((this.#scopeCompiler ??= new PlanCompiler(this.dependencyOverrides)), label);
  }

  /**
   * Registers work to do at the end of `close()`, after the drain (a task
   * runtime stopping its worker threads). Hooks run in order; a failing hook
   * is logged and does not stop the others.
   */
  onClose(hook: () => unknown): this {
    this.#closeHooks.push(hook);
    return this;
  }

  /** Resolves once every request so far has finished its background tasks and cleanups. */
  backgroundIdle(): Promise<void> {
    return this.#tracker.idle();
  }

  /** Recent background task failures (bounded), oldest first. */
  get taskFailures(): readonly TaskFailure[] {
    return this.#tracker.failures;
  }

  // Runs per request: two number comparisons, and a recompile only after include() or an override change.
  #ensureCompiled(): Pipeline {
    if (this.#compiledIncludes !== this.#includes || this.#compiledOverrides !== this.dependencyOverrides.version) this.compile();
    return this.#pipeline!;
  }

  /**
   * Reports a failed background task: logs it with its name, route and
   * request id, keeps it in `taskFailures` and calls `onTaskError`. The core
   * calls it for the tasks it runs; a task runtime calls it for tasks that
   * fail after they have left the core's hands (retries exhausted).
   */
  reportTaskError(failure: TaskFailure): void {
    const { error, ...info } = failure;
    this.logger.error({ err: error, ...info }, 'background task failed');
    this.#tracker.recordFailure(failure);
    const hook = this.#options.onTaskError;
    if (!hook) return;
    try {
      const result = hook(error, info);
      if (result instanceof Promise) result.catch((err) => this.logger.error({ err, ...info }, 'onTaskError hook failed'));
    } catch (err) {
      this.logger.error({ err, ...info }, 'onTaskError hook failed');
    }
  }
}

function dependsSpec(marker: ParamMarker): DependsSpec {
  if (marker.spec.kind !== 'depends') throw new TypeError('dependencies: [...] takes Depends(...) entries only');
  return marker.spec;
}

function joinPaths(...parts: (string | undefined)[]): string {
  const joined = parts.filter((p) => p).map((p) => (p!.startsWith('/') ? p : `/${p}`)).join('');
  return joined === '' ? '/' : joined.replace(/\/{2,}/g, '/');
}

/** Checks @Path names against the template and finds how the body is read, once per route. */
function analyse(label: string, path: string, plan: Plan): { body: CompiledRoute['body']; embedBody: boolean } {
  const { names } = parseTemplate(path);
  const bodies: ValueStep[] = [];
  let form = false;
  const seen = new Set<Plan>();
  const visit = (p: Plan) => {
    if (seen.has(p)) return;
    seen.add(p);
    for (const step of p.values) {
      if (step.source === 'path' && !names.includes(step.key!)) throw new FastTsError('FASTTS_ERR_PATH_PARAM_UNKNOWN', label, step.key, path);
      if (step.source === 'body' && !bodies.includes(step)) bodies.push(step);
      if (step.source === 'form' || step.source === 'file') form = true;
    }
    for (const dep of p.deps) visit(dep.plan);
  };
  visit(plan);
  if (form && bodies.length > 0) throw new FastTsError('FASTTS_ERR_BODY_MIXED', label);
  const embedBody = bodies.length > 1 || bodies.some((b) => b.spec.embed);
  return { body: form ? 'form' : bodies.length > 0 ? 'json' : 'none', embedBody };
}

/** A response class that renders as JSONResponse does, so it can send JSON text written in advance. */
function rendersPlainJson(responseClass: unknown): boolean {
  const render = (cls: Function) => (cls.prototype as { render?: unknown }).render;
  return typeof responseClass === 'function' && render(responseClass) === render(JSONResponse);
}
