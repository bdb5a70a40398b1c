import type { App } from '@fastts/core';
import { Client, Pool } from 'undici';
import { BaseClient, type ClientOptions, type HeaderMap, type Sent } from './client.js';
import { TestStream } from './stream.js';

export interface LiveClientOptions extends ClientOptions {
  /** Keep-alive connections to open at most. Default 1, so requests share one connection. */
  connections?: number;
}

/**
 * Starts the app (its lifespan first) on a free loopback port and talks to
 * it over real sockets with undici, reusing keep-alive connections.
 *
 * @example
 * ```ts
 * const client = await LiveTestClient.start(app);
 * const res = await client.get('/items/1');
 * await client.close(); // closes the connections and the app
 * ```
 */
export class LiveTestClient extends BaseClient {
  readonly url: string;
  readonly pool: Pool;

  private constructor(app: App, url: string, options: LiveClientOptions) {
    super(app, options);
    this.url = url;
    this.pool = new Pool(url, { connections: options.connections ?? 1 });
  }

  static async start(app: App, options: LiveClientOptions = {}): Promise<LiveTestClient> {
    const { port } = await app.listen(0, '127.0.0.1');
    return new LiveTestClient(app, `http://127.0.0.1:${port}`, options);
  }

  protected async send(method: string, path: string, headers: Record<string, string>, body: string | Buffer | undefined): Promise<Sent> {
    const res = await this.pool.request({ method, path, headers, body });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    return { status: res.statusCode, headers: res.headers as HeaderMap, body: bytes };
  }

  /** A connection of its own, so a long stream does not hold up the client's other requests; closing the stream closes it. */
  protected async open(method: string, path: string, headers: Record<string, string>, body: string | Buffer | undefined): Promise<TestStream> {
    const connection = new Client(this.url);
    const abort = new AbortController();
    try {
      const res = await connection.request({ method, path, headers, body, signal: abort.signal });
      return new TestStream(res.statusCode, res.headers as HeaderMap, res.body, async () => {
        abort.abort();
        await connection.destroy();
      });
    } catch (err) {
      await connection.destroy();
      throw err;
    }
  }

  protected websocketOrigin(): Promise<string> {
    return Promise.resolve(this.url.replace('http:', 'ws:'));
  }

  /** Closes the client's connections, then the app (waiting for its background tasks, then stopping its lifespan). */
  async close(): Promise<void> {
    await this.pool.close();
    await this.app.close();
  }
}
