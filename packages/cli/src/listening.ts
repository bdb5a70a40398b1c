import { connect } from 'node:net';

/** Where to connect to reach a server bound to `host`: a wildcard address is reached on the loopback. */
export function connectHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '::1';
  return host;
}

/** The URL a browser on this machine opens. */
export function appUrl(host: string, port: number): string {
  const reachable = connectHost(host);
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/** Whether something accepts TCP connections on host:port now. */
export function portAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: connectHost(host), port });
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(1_000, () => done(false));
  });
}

/**
 * Polls host:port until it accepts a connection (true) or `stillWaiting()`
 * says the app it waits for is gone (false). Polling the port, rather than
 * reading a line of the app's output, works whatever the app logs (pretty,
 * JSON or nothing) and with a node:cluster primary that never listens itself.
 */
export async function waitForPort(host: string, port: number, stillWaiting: () => boolean): Promise<boolean> {
  let delayMs = 50;
  while (stillWaiting()) {
    if (await portAnswers(host, port)) return stillWaiting();
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    // Quick while the app starts, then at most once a second for one that takes its time.
    delayMs = Math.min(delayMs * 1.5, 1_000);
  }
  return false;
}

/** Whether GET `${url}/docs` answers 200: an app that calls @fastts/openapi's serveDocs(). */
export async function servesDocs(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/docs`, { signal: AbortSignal.timeout(3_000) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}
