import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticFiles } from '@fastts/static';
import { close, httpGet, listen, makeSite, rawGet } from './server.js';

let site: Awaited<ReturnType<typeof makeSite>>;
let server: Server;
let url: string;
let port: number;

beforeAll(async () => {
  site = await makeSite();
  ({ server, url, port } = await listen(staticFiles(site.publicDir)));
});

afterAll(async () => {
  await close(server);
  await site.remove();
});

const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => fetch(`${url}${path}`, { method, headers, signal: AbortSignal.timeout(5_000) });

describe('staticFiles', () => {
  it('serves a file with its type, length, etag and last-modified', async () => {
    const res = await get('/digits.txt');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('0123456789');
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('content-length')).toBe('10');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('etag')).toMatch(/^W\/"/);
    expect(Date.parse(res.headers.get('last-modified')!)).not.toBeNaN();
  });

  it('answers 304 to a matching If-None-Match, and to an If-Modified-Since not older than the file', async () => {
    const first = await get('/digits.txt');
    await first.arrayBuffer();
    const etag = first.headers.get('etag')!;
    const lastModified = first.headers.get('last-modified')!;

    const byTag = await httpGet(`${url}/digits.txt`, { 'if-none-match': etag });
    expect(byTag.status).toBe(304);
    expect(byTag.headers.etag).toBe(etag);
    expect(byTag.body).toBe('');

    const byDate = await httpGet(`${url}/digits.txt`, { 'if-modified-since': lastModified });
    expect(byDate.status).toBe(304);

    const stale = await httpGet(`${url}/digits.txt`, { 'if-none-match': '"something-else"' });
    expect(stale.status).toBe(200);
    expect(stale.body).toBe('0123456789');
    const older = await httpGet(`${url}/digits.txt`, { 'if-modified-since': new Date(Date.parse(lastModified) - 60_000).toUTCString() });
    expect(older.status).toBe(200);
    expect(older.body).toBe('0123456789');
  });

  it('answers 412 when If-Match names another version', async () => {
    const res = await get('/digits.txt', { 'if-match': '"other"' });
    expect(res.status).toBe(412);
    await res.arrayBuffer();
  });

  it('answers a Range with 206 and exactly those bytes', async () => {
    const middle = await get('/digits.txt', { range: 'bytes=2-5' });
    expect(middle.status).toBe(206);
    expect(middle.headers.get('content-range')).toBe('bytes 2-5/10');
    expect(middle.headers.get('content-length')).toBe('4');
    expect(await middle.text()).toBe('2345');

    const suffix = await get('/digits.txt', { range: 'bytes=-3' });
    expect(suffix.status).toBe(206);
    expect(suffix.headers.get('content-range')).toBe('bytes 7-9/10');
    expect(await suffix.text()).toBe('789');

    const open = await get('/digits.txt', { range: 'bytes=8-' });
    expect(await open.text()).toBe('89');
  });

  it('answers 416 with the length for a range past the end', async () => {
    const res = await get('/digits.txt', { range: 'bytes=10-20' });
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe('bytes */10');
    await res.arrayBuffer();
  });

  it('honours If-Range: the range for the current etag or date, the whole file for a stale one', async () => {
    const first = await get('/digits.txt');
    await first.arrayBuffer();
    const current = await get('/digits.txt', { range: 'bytes=0-1', 'if-range': first.headers.get('etag')! });
    expect(current.status).toBe(206);
    expect(await current.text()).toBe('01');

    const byDate = await get('/digits.txt', { range: 'bytes=0-1', 'if-range': first.headers.get('last-modified')! });
    expect(byDate.status).toBe(206);
    await byDate.arrayBuffer();

    const stale = await get('/digits.txt', { range: 'bytes=0-1', 'if-range': '"an-older-version"' });
    expect(stale.status).toBe(200);
    expect(await stale.text()).toBe('0123456789');
  });

  it('answers HEAD with the head only, and other methods with 405', async () => {
    const head = await get('/digits.txt', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('10');
    expect(await head.text()).toBe('');
    const post = await get('/digits.txt', {}, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    await post.arrayBuffer();
  });

  it('answers 404 for a missing file and, without html, for a folder', async () => {
    for (const path of ['/missing.txt', '/docs/', '/docs', '/']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).toBe('Not Found');
    }
  });

  it('ignores dotfiles and dot folders: 404', async () => {
    for (const path of ['/.env', '/.git/config', '/%2egit/config']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).not.toContain('SECRET');
    }
  });

  it('never serves a file outside the folder, whatever the raw path', async () => {
    const attempts = [
      '/../secret.txt',
      '/docs/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/docs/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      '/digits.txt%00.html',
      '/%ZZ',
      '//etc/passwd',
      '/link.txt',
    ];
    for (const target of attempts) {
      const { status, text } = await rawGet(port, target);
      expect([400, 403, 404], target).toContain(status);
      expect(text, target).not.toContain('SECRET');
      expect(text, target).not.toContain('root:');
    }
    // A NUL byte and a malformed escape are the client's error; a climb out is refused.
    expect((await rawGet(port, '/digits.txt%00')).status).toBe(400);
    expect((await rawGet(port, '/%2e%2e/secret.txt')).status).toBe(403);
    // The symlink to the file beside the folder: as if it were not there.
    expect((await rawGet(port, '/link.txt')).status).toBe(404);
  });
});

describe('staticFiles options', () => {
  it('html: serves index.html for a folder and redirects the folder without its slash, relatively', async () => {
    const { server, url } = await listen(staticFiles(site.publicDir, { html: true }));
    try {
      const home = await fetch(`${url}/`);
      expect(home.status).toBe(200);
      expect(home.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await home.text()).toBe('<h1>home</h1>');
      const redirect = await fetch(`${url}/docs?v=1`, { redirect: 'manual' });
      expect(redirect.status).toBe(307);
      expect(redirect.headers.get('location')).toBe('docs/?v=1');
      await redirect.arrayBuffer();
      const followed = await fetch(`${url}/docs`);
      expect(followed.url).toBe(`${url}/docs/`);
      expect(await followed.text()).toBe('<h1>docs</h1>');
    } finally {
      await close(server);
    }
  });

  it('spa: answers client routes with index.html, but a missing asset and a dotfile stay 404', async () => {
    const { server, url } = await listen(staticFiles(site.publicDir, { spa: true }));
    try {
      for (const path of ['/', '/users/42', '/settings?tab=profile']) {
        const res = await fetch(`${url}${path}`);
        expect(res.status, path).toBe(200);
        expect(await res.text(), path).toBe('<h1>home</h1>');
      }
      const app = await fetch(`${url}/app.js`);
      expect(await app.text()).toBe('console.log(1)');
      for (const path of ['/missing.js', '/images/logo.png']) {
        const res = await fetch(`${url}${path}`);
        expect(res.status, path).toBe(404);
        await res.arrayBuffer();
      }
      // A dotfile's name has no extension: the fallback page, never the file.
      const env = await fetch(`${url}/.env`);
      expect(await env.text()).toBe('<h1>home</h1>');
      // A climb out is refused before any fallback.
      expect((await rawGet(Number(new URL(url).port), '/%2e%2e/secret.txt')).status).toBe(403);
    } finally {
      await close(server);
    }
  });

  it('followSymlinks: serves the file a symlink leads to', async () => {
    const { server, url } = await listen(staticFiles(site.publicDir, { followSymlinks: true }));
    try {
      const res = await fetch(`${url}/link.txt`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('SECRET=outside');
    } finally {
      await close(server);
    }
  });

  it('dotfiles deny: 403; maxAge and immutable: the cache-control header', async () => {
    const { server, url } = await listen(staticFiles(site.publicDir, { dotfiles: 'deny', maxAge: '1d', immutable: true }));
    try {
      const env = await fetch(`${url}/.env`);
      expect(env.status).toBe(403);
      expect(await env.text()).not.toContain('SECRET');
      const res = await fetch(`${url}/app.js`);
      expect(res.headers.get('cache-control')).toBe('public, max-age=86400, immutable');
      await res.arrayBuffer();
    } finally {
      await close(server);
    }
  });

  it('with next (connect style): a missing file and another method go on to it', async () => {
    const files = staticFiles(site.publicDir);
    const { server, url } = await listen((req, res) => files(req, res, () => res.end(`next ${req.method} ${req.url}`)));
    try {
      expect(await (await fetch(`${url}/missing.txt`)).text()).toBe('next GET /missing.txt');
      expect(await (await fetch(`${url}/digits.txt`, { method: 'DELETE' })).text()).toBe('next DELETE /digits.txt');
      expect(await (await fetch(`${url}/digits.txt`)).text()).toBe('0123456789');
    } finally {
      await close(server);
    }
  });

  it('throws at creation for a folder that does not exist', () => {
    expect(() => staticFiles(`${site.dir}/nope`)).toThrow(/staticFiles: the folder .*nope cannot be read \(ENOENT\)/);
  });
});
