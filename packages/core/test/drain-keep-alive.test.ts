import { request as httpRequest, Agent } from 'node:http';
import { afterEach, expect, it } from 'vitest';
import { App, Controller, Get } from '@fastts/core';
import { sleep } from './helpers.js';

// app.close() with a keep-alive client that sends its next request as soon
// as it has an answer: node keeps reading requests on such a connection
// after server.close(), so the drain must end it with `Connection: close`
// rather than wait for an idle instant that never comes.

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

@Controller()
class Slow {
  @Get('/slow')
  async slow() {
    await sleep(20);
    return { ok: true };
  }
}

function get(agent: Agent, port: number): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/slow', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.end();
  });
}

it('answers a busy keep-alive connection at most once more, with Connection: close, once the drain has begun', async () => {
  app = new App({ logger: false, shutdownTimeoutMs: 10_000 }).include(Slow);
  const { port } = await app.listen(0);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const answers: { status: number; connection: string | undefined }[] = [];
  let stop = false;
  // One client, back to back on one socket, bounded to 500 requests; it
  // stops at a refused or closed connection, or when told to.
  const client = (async () => {
    for (let i = 0; i < 500 && !stop; i++) {
      try {
        answers.push(await get(agent, port));
      } catch {
        break;
      }
    }
  })();
  while (answers.length < 3) await sleep(5);
  const before = answers.length;
  const { abandoned } = await app.close();
  stop = true;
  await client;
  agent.destroy();
  expect(abandoned).toEqual([]);
  expect(answers.every((answer) => answer.status === 200)).toBe(true);
  // The request in flight when the drain began, and at most one more, sent
  // before its client learnt the connection ends. Node alone kept answering
  // keep-alive, so a client that sends at once kept the drain going.
  const after = answers.slice(before);
  expect(after.length).toBeLessThanOrEqual(2);
  if (after.length === 2) expect(after[1]!.connection).toBe('close');
});
