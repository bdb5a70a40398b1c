import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App, BackgroundTasks, Controller, FileResponse, Get, Response, StreamingResponse, gzip, type GZipOptions } from '@fastts/core';

// Starlette's GZipMiddleware over a real socket: node:http sends the
// Accept-Encoding the test names and hands back the bytes as they came.

const items = Array.from({ length: 100 }, (_, id) => ({ id, name: `item ${id}` }));
const events: string[] = [];
let dir: string;
let gate: { opened: Promise<'client' | 'timeout'>; open: () => void } | undefined;
let streamClosed: (() => void) | undefined;

@Controller()
class Api {
  @Get('/small')
  small() {
    return { hello: 'world' };
  }

  @Get('/items')
  items() {
    return items;
  }

  @Get('/varied')
  varied() {
    return new Response('x'.repeat(1000), { headers: { vary: 'Origin' } });
  }

  @Get('/encoded')
  encoded() {
    return new Response(gzipSync('y'.repeat(2000)), { headers: { 'content-encoding': 'gzip', 'content-type': 'text/plain' } });
  }

  @Get('/empty')
  empty() {
    return new Response(undefined, { status: 204 });
  }

  @Get('/stream')
  stream() {
    async function* lines() {
      yield 'first line\n';
      // Waits for the client to have decoded the first line: it can only if that line was flushed.
      events.push(await gate!.opened);
      yield 'second line\n';
    }
    return new StreamingResponse(lines(), { mediaType: 'text/plain' });
  }

  @Get('/endless')
  endless() {
    async function* ticks() {
      try {
        for (let i = 0; i < 1000; i++) {
          yield `tick ${i}\n`;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } finally {
        streamClosed?.();
      }
    }
    return new StreamingResponse(ticks());
  }

  @Get('/events')
  serverSentEvents() {
    return new StreamingResponse(['data: one\n\n'], { mediaType: 'text/event-stream' });
  }

  @Get('/tasks')
  withTasks(tasks: BackgroundTasks) {
    tasks.addTask(() => void events.push('task'));
    return items;
  }

  @Get('/file')
  file() {
    return new FileResponse(join(dir, 'letters.txt'));
  }
}

const letters = 'abcdefghijklmnopqrstuvwxyz'.repeat(100);

let app: App | undefined;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fastts-gzip-'));
  await writeFile(join(dir, 'letters.txt'), letters);
});
afterEach(async () => {
  await app?.close();
  app = undefined;
  events.length = 0;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function start(options: GZipOptions = {}): Promise<number> {
  app = new App({ logger: false }).include(Api).use(gzip(options));
  return (await app.listen(0, '127.0.0.1')).port;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The bytes as sent. */
  raw: Buffer;
  /** The body, gunzipped when it says it is gzip. */
  text: string;
}

function get(port: number, path: string, headers: Record<string, string> = { 'accept-encoding': 'gzip, deflate' }, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const text = (res.headers['content-encoding'] === 'gzip' && raw.length > 0 ? gunzipSync(raw) : raw).toString('utf8');
        resolve({ status: res.statusCode!, headers: res.headers, raw, text });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer for ${path}`)));
    req.on('error', reject);
    req.end();
  });
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

describe('gzip: bodies known up front', () => {
  it('compresses a large JSON body, with its compressed Content-Length and Vary', async () => {
    const port = await start();
    const res = await get(port, '/items');
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['vary']).toBe('Accept-Encoding');
    expect(res.headers['content-type']).toBe('application/json');
    expect(Number(res.headers['content-length'])).toBe(res.raw.length);
    expect(res.raw.length).toBeLessThan(JSON.stringify(items).length / 2);
    expect(JSON.parse(res.text)).toEqual(items);
  });

  it('leaves a body below minimumSize as it is, and minimumSize moves that line', async () => {
    const port = await start();
    const small = await get(port, '/small');
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.headers['vary']).toBeUndefined();
    expect(small.raw.toString()).toBe('{"hello":"world"}');
    await app!.close();
    const port2 = await start({ minimumSize: 10 });
    const compressed = await get(port2, '/small');
    expect(compressed.headers['content-encoding']).toBe('gzip');
    expect(compressed.text).toBe('{"hello":"world"}');
  });

  it('appends Accept-Encoding to an existing Vary', async () => {
    const port = await start();
    const res = await get(port, '/varied');
    expect(res.headers['vary']).toBe('Origin, Accept-Encoding');
    expect(res.text).toBe('x'.repeat(1000));
    // The handler's Response is made per request, but the header is not repeated on the next one either.
    expect((await get(port, '/varied')).headers['vary']).toBe('Origin, Accept-Encoding');
  });

  it('never encodes twice: a body with a Content-Encoding goes as it is', async () => {
    const port = await start();
    const res = await get(port, '/encoded');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.raw).toEqual(gzipSync('y'.repeat(2000)));
    expect(res.text).toBe('y'.repeat(2000));
  });

  it('sends identity without gzip in Accept-Encoding, still saying the body varies', async () => {
    const port = await start();
    for (const headers of [{}, { 'accept-encoding': 'br, deflate' }, { 'accept-encoding': 'identity' }] as Record<string, string>[]) {
      const res = await get(port, '/items', headers);
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.headers['vary']).toBe('Accept-Encoding');
      expect(Number(res.headers['content-length'])).toBe(res.raw.length);
      expect(JSON.parse(res.raw.toString())).toEqual(items);
    }
  });

  it('answers HEAD with the head a GET gets: the compressed length, no body', async () => {
    const port = await start();
    const full = await get(port, '/items');
    const head = await get(port, '/items', { 'accept-encoding': 'gzip' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.raw.length).toBe(0);
    expect(head.headers['content-encoding']).toBe('gzip');
    expect(head.headers['content-length']).toBe(full.headers['content-length']);
  });

  it('leaves a 204 alone even with minimumSize 0', async () => {
    const port = await start({ minimumSize: 0 });
    const res = await get(port, '/empty');
    expect(res.status).toBe(204);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.raw.length).toBe(0);
  });

  it('refuses a compressLevel zlib does not have', () => {
    expect(() => gzip({ compressLevel: 10 })).toThrow(/compressLevel must be an integer from 1 to 9/);
  });
});

describe('gzip: streamed bodies', () => {
  it('compresses a stream as it streams: the first line is readable before the stream ends', async () => {
    let open!: () => void;
    const opened = new Promise<'client' | 'timeout'>((resolve) => {
      open = () => resolve('client');
      // Bounded: without flushing, the client never sees the first line and this ends the stream.
      setTimeout(() => resolve('timeout'), 3_000).unref();
    });
    gate = { opened, open };
    const port = await start();
    const { headers, text } = await new Promise<{ headers: IncomingHttpHeaders; text: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/stream', headers: { 'accept-encoding': 'gzip' } }, (res) => {
        let text = '';
        const gunzip = createGunzip();
        res.pipe(gunzip);
        gunzip.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('first line\n')) open();
        });
        gunzip.on('end', () => resolve({ headers: res.headers, text }));
        gunzip.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    expect(headers['content-encoding']).toBe('gzip');
    expect(headers['vary']).toBe('Accept-Encoding');
    expect(headers['content-length']).toBeUndefined();
    expect(text).toBe('first line\nsecond line\n');
    expect(events).toEqual(['client']);
  });

  it('stops the stream when the client goes away', async () => {
    const closed = new Promise<void>((resolve) => (streamClosed = resolve));
    const port = await start();
    const encoding = await new Promise<string | undefined>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/endless', headers: { 'accept-encoding': 'gzip' } }, (res: IncomingMessage) => {
        const gunzip = createGunzip();
        res.pipe(gunzip);
        gunzip.once('data', () => {
          resolve(res.headers['content-encoding']);
          req.destroy();
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ECONNRESET') reject(err);
      });
      req.end();
    });
    expect(encoding).toBe('gzip');
    // The generator's finally runs well before its 1000 ticks (5 s) are up.
    await within(closed, 2_000, 'the stream to be closed');
  });

  it('leaves server-sent events alone (excludeContentTypes), and the option replaces the list', async () => {
    const port = await start({ minimumSize: 0 });
    const res = await get(port, '/events');
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.raw.toString()).toBe('data: one\n\n');
    await app!.close();
    const port2 = await start({ minimumSize: 0, excludeContentTypes: ['application/*'] });
    expect((await get(port2, '/events')).headers['content-encoding']).toBe('gzip');
    expect((await get(port2, '/items')).headers['content-encoding']).toBeUndefined();
  });
});

describe('gzip: background tasks and files', () => {
  it('runs background tasks after the whole compressed body is written', async () => {
    const app = new App({ logger: false }).include(Api).use(gzip());
    app.compile();
    // The server's own response object: 'finish' means the last byte went to the OS.
    const server = createServer((req, res) => {
      res.on('finish', () => events.push('finish'));
      app.handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const res = await get(port, '/tasks');
      expect(res.headers['content-encoding']).toBe('gzip');
      expect(JSON.parse(res.text)).toEqual(items);
      await app.backgroundIdle();
      expect(events).toEqual(['finish', 'task']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await app.close();
    }
  });

  it('compresses a whole file, with a weak ETag, and answers HEAD without a body', async () => {
    const port = await start();
    const res = await get(port, '/file');
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['vary']).toBe('Accept-Encoding');
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['etag']).toMatch(/^W\/"[0-9a-f]{32}"$/);
    expect(res.text).toBe(letters);
    const head = await get(port, '/file', { 'accept-encoding': 'gzip' }, 'HEAD');
    expect(head.headers['content-encoding']).toBe('gzip');
    expect(head.raw.length).toBe(0);
  });

  it('sends a Range answer (206) uncompressed: exactly the bytes asked for', async () => {
    const port = await start();
    // Above minimumSize, so only the status keeps it from gzip.
    const res = await get(port, '/file', { 'accept-encoding': 'gzip', range: 'bytes=26-1325' });
    expect(res.status).toBe(206);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['content-range']).toBe(`bytes 26-1325/${letters.length}`);
    expect(res.headers['content-length']).toBe('1300');
    expect(res.raw.toString()).toBe(letters.slice(26, 1326));
  });

  it('lets a conditional GET of a file still be a 304', async () => {
    const port = await start();
    const first = await get(port, '/file');
    const again = await get(port, '/file', { 'accept-encoding': 'gzip', 'if-none-match': first.headers['etag']! });
    expect(again.status).toBe(304);
    expect(again.raw.length).toBe(0);
  });
});
