import { afterAll, beforeAll, expect, it } from 'vitest';
import { App, Controller, Get } from '@fastts/core';
import { staticFiles } from '@fastts/static';
import { httpGet, makeSite } from './server.js';

let site: Awaited<ReturnType<typeof makeSite>>;

beforeAll(async () => {
  site = await makeSite();
});

afterAll(async () => {
  await site.remove();
});

@Controller()
class Api {
  @Get('/api/ping')
  ping() {
    return { ok: true };
  }
}

it('serves files, ranges and the folder redirect under app.mount, beside the routes', async () => {
  const app = new App({ logger: false }).include(Api);
  app.mount('/static', staticFiles(site.publicDir, { html: true }));
  const { port } = await app.listen(0);
  const base = `http://127.0.0.1:${port}`;
  try {
    const file = await httpGet(`${base}/static/digits.txt`, { range: 'bytes=3-5' });
    expect(file.status).toBe(206);
    expect(file.body).toBe('345');
    const home = await httpGet(`${base}/static/`);
    expect(home.body).toBe('<h1>home</h1>');
    // The redirect is relative, so it keeps the mount's prefix: /static/docs -> /static/docs/.
    const redirect = await httpGet(`${base}/static/docs`);
    expect(redirect.status).toBe(307);
    expect(new URL(redirect.headers.location!, `${base}/static/docs`).pathname).toBe('/static/docs/');
    expect((await httpGet(`${base}/static/missing.txt`)).status).toBe(404);
    expect((await httpGet(`${base}/api/ping`)).body).toBe('{"ok":true}');
  } finally {
    await app.close();
  }
});
