import type { App } from './app.js';

export interface ServeOptions {
  /** Default: the PORT environment variable, else 8000. */
  port?: number;
  /** Default: the HOST environment variable, else 127.0.0.1. */
  host?: string;
}

/**
 * Starts `app` the way the examples run: on PORT (default 8000), logging the
 * address, and draining on SIGINT/SIGTERM before the process exits.
 *
 * @example
 * ```ts
 * await serve(new App().include(ItemsController));
 * ```
 */
export async function serve(app: App, options: ServeOptions = {}): Promise<void> {
  const port = options.port ?? Number(process.env['PORT'] ?? 8000);
  const host = options.host ?? process.env['HOST'] ?? '127.0.0.1';
  const address = await app.listen(port, host);
  app.logger.info({ url: `http://${address.address}:${address.port}` }, 'listening');
  const stop = async (signal: string) => {
    app.logger.info({ signal }, 'shutting down');
    const { abandoned } = await app.close();
    process.exit(abandoned.length > 0 ? 1 : 0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
