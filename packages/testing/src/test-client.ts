import type { App } from '@fastts/core';
import { inject } from 'light-my-request';
import { BaseClient, type ClientOptions, type HeaderMap, type Sent } from './client.js';

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
 * ```
 */
export class TestClient extends BaseClient {
  constructor(app: App, options?: ClientOptions) {
    super(app, options);
  }

  protected async send(method: string, path: string, headers: Record<string, string>, body: string | Buffer | undefined): Promise<Sent> {
    const res = await inject(this.app.handler, { method: method as 'GET', url: path, headers, payload: body });
    return { status: res.statusCode, headers: res.headers as HeaderMap, body: res.rawPayload };
  }
}
