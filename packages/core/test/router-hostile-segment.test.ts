import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, Controller, Get, Path } from '@fastts/core';

// Issue 15, defect 2: a segment with several parameters was matched by a
// backtracking regex, `^([^/]+)-([^/]+)-([^/]+)\.txt$`. A segment of 8,000
// dashes kept the event loop for about 13 s (the time grows with the cube of
// the length), so one request stopped the whole server.

@Controller()
class Files {
  @Get('/g/{a}-{b}-{c}.txt')
  file(@Path('a') a: string, @Path('b') b: string, @Path('c') c: string) {
    return { a, b, c };
  }

  @Get('/ping')
  ping() {
    return 'pong';
  }
}

/** Status, body and how long the answer took, with a deadline: past it, the request is abandoned. */
function get(port: number, path: string, deadlineMs: number): Promise<{ status: number; body: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: deadlineMs }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body, ms: performance.now() - started }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path.slice(0, 40)}: no answer within ${deadlineMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

let server: Server;
let port: number;

beforeAll(async () => {
  const app = new App({ logger: false });
  app.include(Files).compile();
  // Node's default header limit (16 KiB for the request line and headers together)
  // would answer 431 before the router sees a 16 KiB segment: raised, so the router does.
  server = createServer({ maxHeaderSize: 64 * 1024 }, app.handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('a segment with several parameters', () => {
  it('still matches and splits the way it did', async () => {
    const res = await get(port, '/g/x-y-z-w.txt', 2000);
    expect(res.status).toBe(200);
    // Greedy from the left, as the regex was: the first parameter takes all it can.
    expect(JSON.parse(res.body)).toEqual({ a: 'x-y', b: 'z', c: 'w' });
  });

  it('answers a 16 KiB hostile segment at once, while another request is served', { timeout: 10_000 }, async () => {
    // Dashes only: every split of them between the three parameters fits until `.txt` is missed.
    const hostile = get(port, `/g/${'-'.repeat(16 * 1024)}`, 3000);
    // The hostile request is in the server's hands by now; a blocked event loop would hold this one too.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const ping = await get(port, '/ping', 1000);
    expect(ping.status).toBe(200);
    expect(ping.body).toBe('"pong"');
    const answer = await hostile;
    expect(answer.status).toBe(404);
    expect(answer.body).toBe('{"detail":"Not Found"}');
    expect(answer.ms).toBeLessThan(1000);
  });
});
