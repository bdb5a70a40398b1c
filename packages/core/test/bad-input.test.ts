import { connect, type Socket } from 'node:net';
import { IsString } from 'class-validator';
import { afterEach, describe, expect, it } from 'vitest';
import { App, BackgroundTasks, Body, Controller, Get, Post, Request } from '@fastts/core';
import { sleep } from './helpers.js';

// Every kind of bad input ends in a clear response (or a closed connection),
// never a crash, a hang or a leak. These tests talk raw TCP where clients
// would refuse to misbehave.

class Named {
  @IsString()
  name!: string;
}

const events: string[] = [];

@Controller()
class Targets {
  @Post('/json')
  json(@Body() body: Record<string, unknown>) {
    const merged = Object.assign({}, body);
    return { keys: Object.keys(body), ownProto: Object.hasOwn(body, '__proto__'), mergedPolluted: (merged as { polluted?: unknown }).polluted ?? null };
  }

  @Post('/model')
  model(@Body() body: Named) {
    return body;
  }

  @Get('/ok')
  ok() {
    return { ok: true };
  }

  @Post('/wait-for-abort')
  async waitForAbort(req: Request, tasks: BackgroundTasks) {
    tasks.addTask(() => void events.push('task after abort'));
    await new Promise<void>((resolve) => req.signal.addEventListener('abort', () => resolve()));
    events.push('handler saw abort');
    return { late: true };
  }
}

let app: App | undefined;
afterEach(async () => {
  await app?.close({ timeoutMs: 1000 });
  app = undefined;
});

async function start(options: ConstructorParameters<typeof App>[0] = {}) {
  app = new App({ logger: false, ...options }).include(Targets);
  const { port } = await app.listen(0);
  return port;
}

/** Writes raw bytes and collects what comes back until the server closes or `ms` pass. */
function raw(port: number, chunks: (string | Buffer)[], ms = 2000): Promise<{ text: string; closed: boolean; socket: Socket }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let closed = false;
    const done = () => resolve({ text, closed, socket });
    const timer = setTimeout(done, ms);
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('close', () => {
      closed = true;
      clearTimeout(timer);
      done();
    });
    socket.on('error', () => {});
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
    });
  });
}

const post = (path: string, body: string | Buffer, headers = 'content-type: application/json\r\n') =>
  Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n${headers}content-length: ${Buffer.byteLength(body)}\r\n\r\n`), Buffer.from(body)]);

const ok = (port: number) => fetch(`http://127.0.0.1:${port}/ok`).then((r) => r.status);

describe('bad input', () => {
  it('answers 413 for a declared body over the limit without waiting for it, and closes the connection', async () => {
    const port = await start({ bodyLimit: 1024 });
    const head = `POST /json HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${10 * 1024 * 1024}\r\n\r\n`;
    const started = performance.now();
    const res = await raw(port, [head, '{"a":'], 3000);
    expect(res.text).toMatch(/^HTTP\/1.1 413/);
    expect(res.text).toContain('connection: close');
    expect(res.closed).toBe(true);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await ok(port)).toBe(200);
  });

  it('answers 413 for a chunked body that grows past the limit', async () => {
    const port = await start({ bodyLimit: 1024 });
    const chunk = 'x'.repeat(800);
    const head = 'POST /json HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n';
    const res = await raw(port, [head, `${chunk.length.toString(16)}\r\n${chunk}\r\n`, `${chunk.length.toString(16)}\r\n${chunk}\r\n`], 3000);
    expect(res.text).toMatch(/^HTTP\/1.1 413/);
    expect(res.closed).toBe(true);
  });

  it('never lets __proto__ or constructor.prototype keys reach a prototype', async () => {
    const port = await start();
    const body = '{"a":1,"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}';
    const res = await fetch(`http://127.0.0.1:${port}/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    // secure-json-parse drops the whole `constructor` key when it carries a prototype.
    expect(await res.json()).toEqual({ keys: ['a'], ownProto: false, mergedPolluted: null });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    const model = await fetch(`http://127.0.0.1:${port}/model`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"n","__proto__":{"polluted":"yes"}}' });
    expect(await model.json()).toEqual({ name: 'n' });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('answers 422 for JSON nested deeper than the limit', async () => {
    const port = await start({ jsonDepthLimit: 32 });
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const res = await raw(port, [post('/json', deep)]);
    expect(res.text).toMatch(/^HTTP\/1.1 422/);
    expect(res.text).toContain('nesting deeper than 32 levels');
    const fine = await fetch(`http://127.0.0.1:${port}/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"a":${'['.repeat(30)}${']'.repeat(30)}}` });
    expect(fine.status).toBe(200);
  });

  it('answers 422 for a body that is not UTF-8', async () => {
    const port = await start();
    const res = await raw(port, [post('/json', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]))]);
    expect(res.text).toMatch(/^HTTP\/1.1 422/);
    expect(res.text).toContain('invalid UTF-8');
  });

  it('answers 400 for duplicated content-length and 431 for oversized headers, and keeps serving', async () => {
    const port = await start();
    const dup = await raw(port, ['POST /json HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}']);
    expect(dup.text).toMatch(/^HTTP\/1.1 400/);
    const huge = await raw(port, [`GET /ok HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(64 * 1024)}\r\n\r\n`]);
    expect(huge.text).toMatch(/^HTTP\/1.1 431/);
    expect(await ok(port)).toBe(200);
  });

  it('times out a client that never finishes its body, without holding up others', async () => {
    const port = await start({ requestTimeoutMs: 500 });
    const slow = raw(port, ['POST /json HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"a":'], 4000);
    await sleep(50);
    const started = performance.now();
    expect(await ok(port)).toBe(200);
    expect(performance.now() - started).toBeLessThan(300);
    const res = await slow;
    expect(res.text).toMatch(/^HTTP\/1.1 408/);
    expect(res.closed).toBe(true);
  });

  it('aborts the handler\'s signal when the client disconnects, and survives writing to a gone client', async () => {
    events.length = 0;
    const port = await start();
    const { socket } = await raw(port, [post('/wait-for-abort', '')], 100);
    socket.destroy();
    await sleep(100);
    await app!.backgroundIdle();
    expect(events).toEqual(['handler saw abort', 'task after abort']);
    expect(await ok(port)).toBe(200);
  });

  it('drops a request whose body is cut off, with no response to write and nothing left running', async () => {
    const port = await start();
    const { socket } = await raw(port, ['POST /json HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"a":'], 100);
    socket.destroy();
    await sleep(50);
    expect(await ok(port)).toBe(200);
    await app!.backgroundIdle();
  });
});
