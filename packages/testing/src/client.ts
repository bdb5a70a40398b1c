import { randomUUID } from 'node:crypto';
import type { App, TaskFailure } from '@fastts/core';
import { discardTask, onServerError, setTaskRunner, type TaskRunner } from '@fastts/core/extend';
import { WebSocketSession, type WebSocketConnectOptions } from './websocket-client.js';
import type { TestStream } from './stream.js';

export type HeaderMap = Record<string, string | string[] | undefined>;

export interface RequestOptions {
  headers?: Record<string, string>;
  query?: Record<string, string | number | boolean | (string | number | boolean)[]>;
  /** Sent as JSON with `content-type: application/json`. */
  json?: unknown;
  /** Sent as is. */
  body?: string | Buffer;
  /** Sent urlencoded, as an HTML form posts. */
  form?: Record<string, string | string[]>;
  /** Sent as multipart/form-data (a global `FormData`, with `Blob`s for files). */
  multipart?: FormData;
}

export interface ClientOptions {
  /** Wait for the background tasks of each request before resolving it (FastAPI's TestClient does). Default true. */
  waitForTasks?: boolean;
  /** When waiting, reject if a background task of the request failed. Default true. */
  raiseTaskErrors?: boolean;
  /**
   * `run` the app's background tasks (default), `collect` them without running
   * (see `client.tasks`), or `skip` them. Sets `app.backgroundMode`.
   */
  tasks?: 'run' | 'collect' | 'skip';
  /**
   * Re-throw the original error when a request ends in a 500 (an unhandled
   * error, or routes that fail to compile), as FastAPI's
   * `TestClient(raise_server_exceptions=True)` does. `false`: get the 500
   * response instead. Default true.
   */
  raiseServerExceptions?: boolean;
}

/** A task the client collected instead of running (`tasks: 'collect'`). */
export interface CollectedTask {
  name: string;
  args: unknown[];
  route: string;
  requestId: string;
}

/** A response as both test clients return it. */
export class TestResponse {
  readonly status: number;
  readonly headers: HeaderMap;
  readonly body: Buffer;

  constructor(status: number, headers: HeaderMap, body: Buffer) {
    this.status = status;
    this.headers = headers;
    this.body = body;
  }

  get text(): string {
    return this.body.toString('utf8');
  }

  json<T = any>(): T {
    return JSON.parse(this.text) as T;
  }
}

/** Background tasks of a request failed; the response itself was sent. */
export class BackgroundTaskError extends Error {
  readonly failures: TaskFailure[];
  readonly response: TestResponse;

  constructor(failures: TaskFailure[], response: TestResponse) {
    super(`${failures.length} background task(s) failed: ${failures.map((f) => `${f.task}: ${String((f.error as Error)?.message ?? f.error)}`).join('; ')}`);
    this.name = 'BackgroundTaskError';
    this.failures = failures;
    this.response = response;
  }
}

export interface Sent {
  status: number;
  headers: HeaderMap;
  body: Buffer;
}

/** What the in-process and the socket client share: verbs, waiting for tasks, task failures. */
export abstract class BaseClient {
  readonly app: App;
  readonly #options: Required<ClientOptions>;
  readonly #reported = new WeakSet<TaskFailure>();
  readonly #collected: CollectedTask[] = [];
  /** Ids of this client's requests still waiting for their response, and the server error each met. */
  readonly #pending = new Map<string, { error: unknown } | undefined>();

  constructor(app: App, options: ClientOptions = {}) {
    this.app = app;
    this.#options = {
      waitForTasks: options.waitForTasks ?? true,
      raiseTaskErrors: options.raiseTaskErrors ?? true,
      tasks: options.tasks ?? 'run',
      raiseServerExceptions: options.raiseServerExceptions ?? true,
    };
    setTaskRunner(app, this.#runner(this.#options.tasks));
    if (this.#options.raiseServerExceptions) {
      onServerError(app, (error, request) => {
        // A request of this client, or (routes failed to compile) every request it is waiting on.
        const ids = request === undefined ? [...this.#pending.keys()] : [request.id];
        for (const id of ids) if (this.#pending.has(id) && this.#pending.get(id) === undefined) this.#pending.set(id, { error });
      });
    }
  }

  /** The app's way of running tasks for the chosen mode: unchanged for `run`, else record or drop each task. */
  #runner(mode: Required<ClientOptions>['tasks']): TaskRunner | undefined {
    if (mode === 'run') return undefined;
    return (task, run) => {
      if (mode === 'collect') this.#collected.push({ name: task.name, args: task.args, route: run.route, requestId: run.requestId });
      discardTask(this.app, task, mode === 'collect' ? 'collected' : 'skipped');
      return undefined;
    };
  }

  /** Tasks collected instead of run (with `tasks: 'collect'`): name, arguments, route, request id. */
  get tasks(): readonly CollectedTask[] {
    return this.#collected;
  }

  protected abstract send(method: string, path: string, headers: Record<string, string>, body: string | Buffer | undefined): Promise<Sent>;

  async request(method: string, path: string, options: RequestOptions = {}): Promise<TestResponse> {
    // The app's lifespan runs before the first request (once: start() is memoised), as in FastAPI's `with TestClient(app)`.
    await this.app.start();
    const { headers, body } = await encodeRequest(options);
    // Each request carries its own id, so a failed task is blamed on the request that added it.
    const requestId = (headers['x-request-id'] ??= randomUUID());
    this.#pending.set(requestId, undefined);
    let sent: Sent;
    try {
      sent = await this.send(method, withQuery(path, options.query), headers, body);
    } finally {
      const met = this.#pending.get(requestId);
      this.#pending.delete(requestId);
      if (met !== undefined && this.#options.raiseServerExceptions) throw met.error;
    }
    const response = new TestResponse(sent.status, sent.headers, sent.body);
    if (!this.#options.waitForTasks) return response;
    await this.app.backgroundIdle();
    const failures = this.app.taskFailures.filter((f) => f.requestId === requestId && !this.#reported.has(f));
    for (const failure of failures) this.#reported.add(failure);
    if (failures.length > 0 && this.#options.raiseTaskErrors) throw new BackgroundTaskError(failures, response);
    return response;
  }

  /**
   * Sends a request and resolves once the response's head has arrived, with
   * its body still streaming: read it as server-sent events, lines or
   * chunks, or `close()` it to disconnect. Its background tasks run after the
   * stream ends; `waitForTasks()` waits for them.
   */
  async stream(method: string, path: string, options: RequestOptions = {}): Promise<TestStream> {
    await this.app.start();
    const { headers, body } = await encodeRequest(options);
    headers['x-request-id'] ??= randomUUID();
    return this.open(method, withQuery(path, options.query), headers, body);
  }

  protected abstract open(method: string, path: string, headers: Record<string, string>, body: string | Buffer | undefined): Promise<TestStream>;

  get(path: string, options?: RequestOptions): Promise<TestResponse> {
    return this.request('GET', path, options);
  }

  head(path: string, options?: RequestOptions): Promise<TestResponse> {
    return this.request('HEAD', path, options);
  }

  post(path: string, options?: RequestOptions): Promise<TestResponse> {
    return this.request('POST', path, options);
  }

  put(path: string, options?: RequestOptions): Promise<TestResponse> {
    return this.request('PUT', path, options);
  }

  patch(path: string, options?: RequestOptions): Promise<TestResponse> {
    return this.request('PATCH', path, options);
  }

  delete(path: string, options?: RequestOptions): Promise<TestResponse> {
    return this.request('DELETE', path, options);
  }

  options(path: string, options?: RequestOptions): Promise<TestResponse> {
    return this.request('OPTIONS', path, options);
  }

  /**
   * Opens a WebSocket to one of the app's `@WebSocketRoute` paths (the app
   * starts first), over a real loopback socket. Rejects with
   * WebSocketHandshakeError when the handshake is refused.
   */
  async websocket(path: string, options: WebSocketConnectOptions = {}): Promise<WebSocketSession> {
    await this.app.start();
    return WebSocketSession.connect(`${await this.websocketOrigin()}${path}`, options);
  }

  /** `ws://host:port` of a server running the app. */
  protected abstract websocketOrigin(): Promise<string>;

  /** Resolves once the background tasks of every request made so far have finished. */
  waitForTasks(): Promise<void> {
    return this.app.backgroundIdle();
  }

  /** Background task failures recorded by the app, oldest first. */
  get taskFailures(): readonly TaskFailure[] {
    return this.app.taskFailures;
  }
}

async function encodeRequest(options: RequestOptions): Promise<{ headers: Record<string, string>; body: string | Buffer | undefined }> {
  const headers: Record<string, string> = { ...options.headers };
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  } else if (options.form !== undefined) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(options.form)) for (const v of [value].flat()) params.append(key, v);
    body = params.toString();
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
  } else if (options.multipart !== undefined) {
    // The Fetch API's Response encodes FormData with a boundary for us.
    const encoded = new globalThis.Response(options.multipart);
    body = Buffer.from(await encoded.arrayBuffer());
    headers['content-type'] ??= encoded.headers.get('content-type')!;
  }
  return { headers, body };
}

function withQuery(path: string, query: RequestOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}
