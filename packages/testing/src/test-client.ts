import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '@fastts/core';
import { inject } from 'light-my-request';
import { BaseClient, type ClientOptions, type HeaderMap, type Sent } from './client.js';
import { TestStream } from './stream.js';

/**
 * Sends requests to the app in-process, through fake sockets
 * (light-my-request): no port, the same pipeline as a real server.
 *
 * @example
 * ```ts
 * const client = new TestClient(app);
 * const res = await client.post('/send-notification/a@b.c');
 * expect(res.json()).toEqual({ message: 'Notification sent in the background' });
 * // the background tasks have run by now
 * await client.close(); // stops the app's lifespan
 * ```
 */
export class TestClient extends BaseClient {
  #loopback: Promise<{ server: Server; origin: string }> | undefined;

  constructor(app: App, options?: ClientOptions) {
    super(app, options);
  }

  /** A client whose app has started (its lifespan ran up to `yield`); without it, the first request starts the app. */
  static async start(app: App, options?: ClientOptions): Promise<TestClient> {
    const client = new TestClient(app, options);
    await app.start();
    return client;
  }

  /**
   * Closes the app as a server would (see `App.close()`): waits for its
   * background tasks, then runs its close hooks and its lifespan's code after
   * `yield`.
   */
  async close(): Promise<void> {
    await this.app.close();
    const loopback = this.#loopback;
    this.#loopback = undefined;
    if (loopback) {
      const { server } = await loopback;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /**
   * WebSockets need a real connection: the first `websocket()` starts a
   * loopback server running the app (its HTTP routes too), closed by `close()`.
   */
  protected async websocketOrigin(): Promise<string> {
    this.#loopback ??= new Promise((resolve, reject) => {
      const server = createServer(this.app.handler).on('upgrade', this.app.upgradeHandler);
      server.once('error', reject).listen(0, '127.0.0.1', () => resolve({ server, origin: `ws://127.0.0.1:${(server.address() as AddressInfo).port}` }));
    });
    return (await this.#loopback).origin;
  }

  /**
   * light-my-request resolves at the head with `payloadAsStream`; closing
   * destroys node's response object, which is what a client leaving does to it.
   */
  protected async open(method: string, path: string, headers: Record<string, string>, body: string | Buffer | undefined): Promise<TestStream> {
    const res = await inject(this.app.handler, { method: method as 'GET', url: path, headers, payload: body, payloadAsStream: true });
    const payload = res.stream();
    return new TestStream(res.statusCode, res.headers as HeaderMap, payload, async () => {
      res.raw.res.destroy();
      payload.destroy();
    });
  }

  protected async send(method: string, path: string, headers: Record<string, string>, body: string | Buffer | undefined): Promise<Sent> {
    const res = await inject(this.app.handler, { method: method as 'GET', url: path, headers, payload: body });
    return { status: res.statusCode, headers: res.headers as HeaderMap, body: res.rawPayload };
  }
}
