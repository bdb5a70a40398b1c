import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  App,
  BackgroundTask,
  BackgroundTasks,
  Controller,
  FileResponse,
  Get,
  HTMLResponse,
  PlainTextResponse,
  Post,
  RedirectResponse,
  Response,
  StreamingResponse,
} from '@fastts/core';
import { LiveTestClient, TestClient } from '@fastts/testing';
import { sleep } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fastts-responses-'));
  await writeFile(join(dir, 'hello.txt'), 'hello file\n');
});

const events: string[] = [];

@Controller()
class Responses {
  @Get('/ok')
  ok() {
    return { ok: true };
  }

  @Get('/none')
  none() {
    return null;
  }

  @Get('/undefined')
  nothing() {}

  @Post('/empty', { statusCode: 204 })
  empty() {
    return { a: 1 };
  }

  @Get('/text')
  text() {
    return new PlainTextResponse('hi');
  }

  @Get('/html', { responseClass: HTMLResponse })
  html() {
    return '<h1>hi</h1>';
  }

  @Get('/raw')
  raw() {
    return new Response(Buffer.from('<a/>'), { mediaType: 'application/xml', headers: { 'X-Custom': 'y' } });
  }

  @Get('/redirect')
  redirect() {
    return new RedirectResponse('/a b?x=é');
  }

  @Get('/cookies')
  cookies() {
    const res = new Response('ok', { mediaType: 'text/plain' });
    res.setCookie('a', '1', { httpOnly: true, maxAge: 60 });
    res.deleteCookie('b');
    return res;
  }

  @Get('/stream')
  stream(tasks: BackgroundTasks) {
    tasks.addTask(() => void events.push('stream task'));
    async function* chunks() {
      for (const part of ['a', 'b', 'c']) {
        await sleep(5);
        yield part;
      }
      events.push('stream done');
    }
    return new StreamingResponse(chunks(), { mediaType: 'text/plain' });
  }

  @Get('/endless')
  endless(tasks: BackgroundTasks) {
    tasks.addTask(() => void events.push('endless task'));
    async function* chunks() {
      try {
        for (let i = 0; ; i++) {
          await sleep(2);
          yield `chunk ${i}\n`;
        }
      } finally {
        events.push('endless finally');
      }
    }
    return new StreamingResponse(chunks());
  }

  @Get('/file')
  file(tasks: BackgroundTasks) {
    tasks.addTask(() => void events.push('file task'));
    return new FileResponse(join(dir, 'hello.txt'), { filename: 'hello.txt' });
  }

  @Get('/missing-file')
  missingFile() {
    return new FileResponse(join(dir, 'nope.txt'), { background: new BackgroundTask(() => void events.push('never')) });
  }
}

const client = new TestClient(new App({ logger: false }).include(Responses), { raiseServerExceptions: false });

describe('responses', () => {
  it('serialises plain values as compact JSON (scenarios 37, 38)', async () => {
    const res = await client.get('/ok');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['content-length']).toBe('11');
    expect(res.text).toBe('{"ok":true}');
    expect((await client.get('/none')).text).toBe('null');
    expect((await client.get('/undefined')).text).toBe('null');
  });

  it('sends no body and no content-length for 204 (scenario 39)', async () => {
    const res = await client.post('/empty');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(res.headers['content-length']).toBeUndefined();
  });

  it('adds a charset to text types and keeps custom media types and headers (scenario 43)', async () => {
    expect((await client.get('/text')).headers['content-type']).toBe('text/plain; charset=utf-8');
    const html = await client.get('/html');
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.text).toBe('<h1>hi</h1>');
    const raw = await client.get('/raw');
    expect(raw.headers['content-type']).toBe('application/xml');
    expect(raw.headers['x-custom']).toBe('y');
    expect(raw.text).toBe('<a/>');
  });

  it('redirects with 307 and a percent-quoted location (scenario 43)', async () => {
    const res = await client.get('/redirect');
    expect(res.status).toBe(307);
    expect(res.headers['location']).toBe('/a%20b?x=%C3%A9');
    expect(res.text).toBe('');
  });

  it('writes cookies with FastAPI\'s defaults', async () => {
    const res = await client.get('/cookies');
    expect(res.headers['set-cookie']).toEqual([
      'a=1; Max-Age=60; Path=/; HttpOnly; SameSite=lax',
      'b=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=lax',
    ]);
  });

  it('streams chunked, then runs the task (scenario 11)', async () => {
    const live = await LiveTestClient.start(new App({ logger: false }).include(Responses));
    try {
      events.length = 0;
      const res = await live.get('/stream');
      expect(res.text).toBe('abc');
      expect(res.headers['transfer-encoding']).toBe('chunked');
      expect(events).toEqual(['stream done', 'stream task']);
    } finally {
      await live.close();
    }
  });

  it('closes the generator when the client goes away mid-stream, and still runs the task (scenario 12)', async () => {
    const app = new App({ logger: false }).include(Responses);
    const { port } = await app.listen(0);
    events.length = 0;
    const controller = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/endless`, { signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await sleep(50);
    await app.backgroundIdle();
    expect(events).toEqual(['endless finally', 'endless task']);
    await app.close();
  });

  it('streams files with length, type, etag and disposition; HEAD sends headers only (scenario 13)', async () => {
    events.length = 0;
    const res = await client.get('/file');
    expect(res.text).toBe('hello file\n');
    expect(res.headers['content-length']).toBe('11');
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['etag']).toMatch(/^"[0-9a-f]{32}"$/);
    expect(res.headers['last-modified']).toMatch(/GMT$/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="hello.txt"');
    const head = await client.head('/file');
    expect(head.text).toBe('');
    expect(head.headers['content-length']).toBe('11');
    expect(events).toEqual(['file task', 'file task']);
  });

  it('answers 304 to a conditional GET whose validator still matches', async () => {
    const first = await client.get('/file');
    const etag = first.headers['etag'] as string;
    const byTag = await client.get('/file', { headers: { 'if-none-match': etag } });
    expect(byTag.status).toBe(304);
    expect(byTag.text).toBe('');
    expect(byTag.headers['etag']).toBe(etag);
    const byDate = await client.get('/file', { headers: { 'if-modified-since': first.headers['last-modified'] as string } });
    expect(byDate.status).toBe(304);
    expect((await client.get('/file', { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
  });

  it('answers 500 for a missing file and runs none of its tasks', async () => {
    events.length = 0;
    const res = await client.get('/missing-file');
    expect(res.status).toBe(500);
    expect(events).toEqual([]);
  });
});


describe('streams from node:stream', () => {
  it('sends a Readable as a chunked body', async () => {
    const { Readable } = await import('node:stream');
    @Controller()
    class Streams {
      @Get('/readable')
      readable() {
        return new StreamingResponse(Readable.from(['x', 'y', 'z']), { mediaType: 'text/plain' });
      }
    }
    const live = await LiveTestClient.start(new App({ logger: false }).include(Streams));
    try {
      const res = await live.get('/readable');
      expect(res.text).toBe('xyz');
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    } finally {
      await live.close();
    }
  });
});
