import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, BackgroundTask, Controller, FileResponse, Get } from '@fastts/core';

let dir: string;
let app: App;
let base: string;
const events: string[] = [];

@Controller()
class Files {
  @Get('/digits')
  digits() {
    return new FileResponse(join(dir, 'digits.txt'), { background: new BackgroundTask(() => void events.push('task')) });
  }

  @Get('/empty')
  empty() {
    return new FileResponse(join(dir, 'empty.txt'));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fastts-file-range-'));
  await writeFile(join(dir, 'digits.txt'), '0123456789');
  await writeFile(join(dir, 'empty.txt'), '');
  app = new App({ logger: false }).include(Files);
  const { port } = await app.listen(0);
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

/** node:http, not fetch: fetch adds `cache-control: no-cache` to conditional requests. */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers, timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer for ${path}`)));
    req.on('error', reject);
    req.end();
  });
}

describe('FileResponse and Range', () => {
  it('sends the whole file with accept-ranges when no Range is asked for', async () => {
    const res = await get('/digits');
    expect(res.status).toBe(200);
    expect(res.body).toBe('0123456789');
    expect(res.headers['content-length']).toBe('10');
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers['content-range']).toBeUndefined();
  });

  it('answers one range with 206, content-range and exactly those bytes, then runs the task', async () => {
    for (const [range, contentRange, body] of [
      ['bytes=2-5', 'bytes 2-5/10', '2345'],
      ['bytes=0-0', 'bytes 0-0/10', '0'],
      ['bytes=7-', 'bytes 7-9/10', '789'],
      ['bytes=-4', 'bytes 6-9/10', '6789'],
      ['bytes=-40', 'bytes 0-9/10', '0123456789'],
      ['bytes=8-1000', 'bytes 8-9/10', '89'],
      ['BYTES= 3-4 ', 'bytes 3-4/10', '34'],
    ] as const) {
      // The tasks of earlier requests first: each request here runs exactly one.
      await app.backgroundIdle();
      events.length = 0;
      const res = await get('/digits', { range });
      expect(res.status, range).toBe(206);
      expect(res.headers['content-range'], range).toBe(contentRange);
      expect(res.headers['content-length'], range).toBe(String(body.length));
      expect(res.body, range).toBe(body);
      expect(res.headers['etag'], range).toMatch(/^"[0-9a-f]{32}"$/);
      await app.backgroundIdle();
      expect(events, range).toEqual(['task']);
    }
  });

  it('answers HEAD with the range head and no body', async () => {
    const res = await get('/digits', { range: 'bytes=2-5' }, 'HEAD');
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe('bytes 2-5/10');
    expect(res.headers['content-length']).toBe('4');
    expect(res.body).toBe('');
  });

  it('answers 416 with the current length for a range that starts past the end or selects nothing', async () => {
    for (const [path, range, size] of [
      ['/digits', 'bytes=10-', '10'],
      ['/digits', 'bytes=25-30', '10'],
      ['/digits', 'bytes=-0', '10'],
      ['/empty', 'bytes=0-', '0'],
      ['/empty', 'bytes=-5', '0'],
    ] as const) {
      const res = await get(path, { range });
      expect(res.status, `${path} ${range}`).toBe(416);
      expect(res.headers['content-range'], `${path} ${range}`).toBe(`bytes */${size}`);
      expect(res.body).toBe('');
    }
  });

  it('ignores a Range it does not take: another unit, bad syntax, several ranges (the whole file, 200)', async () => {
    for (const range of ['items=0-1', 'bytes=5-2', 'bytes=a-b', 'bytes=-', 'bytes=0-1,4-5', 'bytes=1.5-3']) {
      const res = await get('/digits', { range });
      expect(res.status, range).toBe(200);
      expect(res.body, range).toBe('0123456789');
      expect(res.headers['content-range'], range).toBeUndefined();
    }
  });

  it('honours If-Range: the range for the current etag or date, the whole file for another one', async () => {
    const first = await get('/digits');
    const etag = first.headers['etag']!;
    const lastModified = first.headers['last-modified']!;

    const byTag = await get('/digits', { range: 'bytes=0-1', 'if-range': etag });
    expect(byTag.status).toBe(206);
    expect(byTag.body).toBe('01');
    const byDate = await get('/digits', { range: 'bytes=0-1', 'if-range': lastModified });
    expect(byDate.status).toBe(206);
    expect(byDate.body).toBe('01');

    const earlier = new Date(Date.parse(lastModified) - 1_000).toUTCString();
    for (const ifRange of ['"another-version"', `W/${etag}`, earlier, 'not a date']) {
      const res = await get('/digits', { range: 'bytes=0-1', 'if-range': ifRange });
      expect(res.status, ifRange).toBe(200);
      expect(res.body, ifRange).toBe('0123456789');
    }
  });

  it('answers a matching If-None-Match with 304 before looking at the Range', async () => {
    const { headers } = await get('/digits');
    const res = await get('/digits', { range: 'bytes=0-1', 'if-none-match': headers['etag']! });
    expect(res.status).toBe(304);
    expect(res.body).toBe('');
  });
});
