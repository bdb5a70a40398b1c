import { afterAll, beforeAll, expect, it } from 'vitest';
import { App, Controller, Get, Request } from '@fastts/core';
import { LiveTestClient } from '@fastts/testing';
import { staticFiles } from '@fastts/static';
import { makeSite } from './server.js';

// A static-files mount with a name answers urlPathFor / request.urlFor as
// Starlette's `Mount('/static', StaticFiles(...), name='static')` does.

let site: Awaited<ReturnType<typeof makeSite>>;

beforeAll(async () => {
  site = await makeSite();
});

afterAll(async () => {
  await site.remove();
});

@Controller()
class Page {
  @Get('/page')
  page(request: Request) {
    return { script: request.urlFor('static', { path: '/app.js' }) };
  }
}

it("gives the URL of a file under a named static mount, and the file is there", async () => {
  const app = new App({ logger: false, rootPath: '/site' }).include(Page);
  app.mount('/static', staticFiles(site.publicDir), { name: 'static' });
  // Leading slashes of `path` are dropped, as Starlette's Mount does; each segment is encoded.
  expect(app.urlPathFor('static', { path: '/css/a b.css' })).toBe('/static/css/a%20b.css');
  expect(app.urlPathFor('static', { path: 'digits.txt' })).toBe('/static/digits.txt');
  expect(() => app.urlPathFor('static', { path: '/a', v: '1' })).toThrow(/the mount \(\/static\/\{path:path\}\) takes \{path\}/);
  const client = await LiveTestClient.start(app);
  try {
    expect((await client.get('/page')).json()).toEqual({ script: `${client.url}/site/static/app.js` });
    // The proxy in front strips /site; the app itself serves the path urlPathFor gives.
    const file = await client.get(app.urlPathFor('static', { path: '/digits.txt' }));
    expect(file.status).toBe(200);
    expect(file.text).toBe('0123456789');
  } finally {
    await client.close();
  }
});
