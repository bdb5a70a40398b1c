import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { App, BackgroundTasks, Controller, Get, Path, Post, Request, type AppOptions, type Logger } from '@fastts/core';

// The access line, request.log and x-request-id over real sockets, read
// from a real pino logger writing into a stream.

type Line = Record<string, unknown>;

/** pino at `level`, its JSON lines parsed into `lines` as they are written. */
function capture(level = 'info'): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n')) if (text !== '') lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

let gate: { entered: Promise<void>; enter: () => void; wait: Promise<void>; open: () => void } | undefined;
function newGate() {
  let open!: () => void;
  let enter!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  const entered = new Promise<void>((resolve) => (enter = resolve));
  return (gate = { entered, enter, wait, open });
}

function writeLater(log: Logger, what: string) {
  return new Promise<void>((resolve) => setTimeout(resolve, 5)).then(() => log.info({ what }, 'task ran'));
}

@Controller()
class Api {
  @Get('/items/{id}')
  item(@Path('id') id: number) {
    return { id };
  }

  @Get('/boom')
  boom(): never {
    throw new Error('boom');
  }

  @Get('/log')
  log(request: Request) {
    request.log.info({ step: 'inside' }, 'handler line');
    return { id: request.id };
  }

  @Post('/task')
  task(request: Request, tasks: BackgroundTasks) {
    tasks.addTask(writeLater, request.log, 'email');
    return { queued: true };
  }

  @Get('/slow')
  async slow() {
    gate!.enter();
    await gate!.wait;
    return { late: true };
  }
}

let app: App | undefined;
afterEach(async () => {
  gate?.open();
  await app?.close();
  app = undefined;
});

async function start(options: AppOptions): Promise<string> {
  app = new App(options).include(Api);
  const { port } = await app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${port}`;
}

/** A GET with raw header values (fetch refuses some of them), its status and headers once its body has been read. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; id: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, id: res.headers['x-request-id'] as string | undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

const accessLines = (lines: Line[]) => lines.filter((line) => 'durationMs' in line);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('the access line', () => {
  it('is one info line per request with method, path without the query, status, duration, id, client and size', async () => {
    const { logger, lines } = capture();
    const url = await start({ logger });
    const res = await fetch(`${url}/items/7?token=secret`, { headers: { 'x-request-id': 'req-7' } });
    const body = await res.text();
    await app!.close();
    expect(accessLines(lines)).toHaveLength(1);
    const [line] = accessLines(lines);
    expect(line).toMatchObject({ level: 30, method: 'GET', path: '/items/7', status: 200, requestId: 'req-7', client: '127.0.0.1', bytes: Buffer.byteLength(body), msg: expect.stringMatching(/^GET \/items\/7 200 \d+\.\dms$/) });
    expect(line!['durationMs']).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(line)).not.toContain('secret');
    expect(line).not.toHaveProperty('aborted');
  });

  it('has the status each response was sent with: 200, 404, 422 and 500', async () => {
    const { logger, lines } = capture();
    const url = await start({ logger });
    for (const path of ['/items/1', '/nowhere', '/items/abc', '/boom']) await get(url + path);
    await app!.close();
    expect(accessLines(lines).map((line) => [line['path'], line['status']])).toEqual([
      ['/items/1', 200],
      ['/nowhere', 404],
      ['/items/abc', 422],
      ['/boom', 500],
    ]);
    // The 500's error line and its access line name the same request.
    const error = lines.find((line) => line['msg'] === 'unhandled error');
    expect(error?.['requestId']).toBe(accessLines(lines)[3]!['requestId']);
  });

  it('logs a request whose client went away once, as aborted and without a status', async () => {
    const { logger, lines } = capture();
    const url = await start({ logger });
    const opened = newGate();
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${url}/slow`);
      req.on('error', () => resolve());
      req.end();
      // The client leaves while the handler waits.
      void opened.entered.then(() => req.destroy());
    });
    for (let i = 0; i < 200 && accessLines(lines).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    opened.open();
    await app!.backgroundIdle();
    await app!.close();
    expect(accessLines(lines)).toHaveLength(1);
    expect(accessLines(lines)[0]).toMatchObject({ path: '/slow', aborted: true, msg: expect.stringMatching(/^GET \/slow aborted /) });
    expect(accessLines(lines)[0]).not.toHaveProperty('status');
  });

  it('is not written with accessLog: false, nor when the logger is above info', async () => {
    const off = capture();
    let url = await start({ logger: off.logger, accessLog: false });
    expect((await get(`${url}/items/1`)).status).toBe(200);
    await app!.close();
    const warn = capture('warn');
    url = await start({ logger: warn.logger });
    expect((await get(`${url}/items/1`)).status).toBe(200);
    await get(`${url}/boom`);
    await app!.close();
    expect(off.lines).toEqual([]);
    // Only the 500's error line: no access line at warn.
    expect(warn.lines.map((line) => line['msg'])).toEqual(['unhandled error']);
  });

  it('is written once for a request to a mounted app, with the path the client asked for', async () => {
    const { logger, lines } = capture();
    app = new App({ logger }).mount('/v1', new App({ logger }).include(Api));
    const { port } = await app.listen(0, '127.0.0.1');
    expect((await get(`http://127.0.0.1:${port}/v1/items/3?x=1`)).status).toBe(200);
    await app.close();
    expect(accessLines(lines).map((line) => [line['path'], line['status']])).toEqual([['/v1/items/3', 200]]);
  });

  it('costs a logger that throws its line, not the process', async () => {
    const broken = () => {
      throw new Error('disk full');
    };
    const url = await start({ logger: { error: broken, warn: broken, info: broken, debug: broken } });
    expect((await get(`${url}/items/1`)).status).toBe(200);
    expect((await get(`${url}/items/1`)).status).toBe(200);
  });

  it('goes through a logger without isLevelEnabled (a test double), as on', async () => {
    const seen: { obj: Line; msg?: string }[] = [];
    const keep = (obj: object, msg?: string) => void seen.push({ obj: obj as Line, msg });
    const url = await start({ logger: { error: keep, warn: keep, info: keep, debug: keep } });
    await get(`${url}/items/2`);
    await app!.close();
    expect(seen.map((entry) => entry.msg)).toEqual([expect.stringMatching(/^GET \/items\/2 200 /)]);
  });
});

describe('x-request-id', () => {
  it('is echoed when the client sends a sane one, and generated (a UUID) when it sends none', async () => {
    const { logger, lines } = capture();
    const url = await start({ logger });
    expect((await get(`${url}/items/1`, { 'x-request-id': 'abc-123' })).id).toBe('abc-123');
    const generated = (await get(`${url}/items/1`)).id;
    expect(generated).toMatch(UUID);
    await app!.close();
    expect(accessLines(lines).map((line) => line['requestId'])).toEqual(['abc-123', generated]);
  });

  it('refuses a client id that is too long or not printable ASCII, and replaces it with a UUID', async () => {
    const url = await start({ logger: false, requestIdHeader: true });
    for (const insane of ['a'.repeat(201), 'caf\u00e9', 'tab\there']) {
      const { id } = await get(`${url}/items/1`, { 'x-request-id': insane });
      expect(id).toMatch(UUID);
    }
    expect((await get(`${url}/items/1`, { 'x-request-id': 'a'.repeat(200) })).id).toBe('a'.repeat(200));
  });

  it('ignores the client id with trustRequestId: false, or when the function says no', async () => {
    let url = await start({ logger: false, requestIdHeader: true, trustRequestId: false });
    expect((await get(`${url}/items/1`, { 'x-request-id': 'mine' })).id).toMatch(UUID);
    await app!.close();
    url = await start({ logger: false, requestIdHeader: true, trustRequestId: (request) => request.headers['x-internal'] === 'yes' });
    expect((await get(`${url}/items/1`, { 'x-request-id': 'mine' })).id).toMatch(UUID);
    expect((await get(`${url}/items/1`, { 'x-request-id': 'mine', 'x-internal': 'yes' })).id).toBe('mine');
    await app!.close();
    url = await start({ logger: false, requestIdHeader: true, trustRequestId: () => { throw new Error('no'); } });
    expect(await get(`${url}/items/1`, { 'x-request-id': 'mine' })).toEqual({ status: 200, id: expect.stringMatching(UUID) });
  });

  it('comes with the access line unless requestIdHeader says otherwise', async () => {
    const cases: [AppOptions, string | undefined][] = [
      [{ logger: capture().logger, requestIdHeader: false }, undefined],
      [{ logger: capture('warn').logger }, undefined],
      [{ logger: capture().logger, accessLog: false }, undefined],
      [{ logger: false }, undefined],
      [{ logger: capture('warn').logger, requestIdHeader: true }, 'abc'],
    ];
    for (const [options, expected] of cases) {
      const url = await start(options);
      expect(await get(`${url}/items/1`, { 'x-request-id': 'abc' })).toEqual({ status: 200, id: expected });
      await app!.close();
    }
  });
});

describe('request.log', () => {
  it('writes lines bound to the request id, the same as the access line and the header', async () => {
    const { logger, lines } = capture();
    const url = await start({ logger });
    const res = await get(`${url}/log`);
    await app!.close();
    const line = lines.find((l) => l['msg'] === 'handler line');
    expect(line).toMatchObject({ level: 30, step: 'inside', requestId: res.id });
    expect(accessLines(lines)[0]!['requestId']).toBe(res.id);
  });

  it('reaches a background task it is handed, with the request id', async () => {
    const { logger, lines } = capture();
    const url = await start({ logger });
    const res = await fetch(`${url}/task`, { method: 'POST' });
    await res.text();
    await app!.backgroundIdle();
    await app!.close();
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(UUID);
    expect(lines.find((l) => l['msg'] === 'task ran')).toMatchObject({ what: 'email', requestId: id });
  });
});
