import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { IsString } from 'class-validator';
import { App, Body, Controller, Get, Post } from '@fastts/core';
import { openapiDocument, serveDocs } from '@fastts/openapi';
import { TestClient } from '@fastts/testing';
import { describe, expect, it } from 'vitest';

// serveDocs: where the document and pages are served, how they are turned off
// or moved, the asset lookup, and when the document is rebuilt.

class Note {
  @IsString()
  text!: string;
}

@Controller('/notes')
class NotesController {
  @Post('')
  create(@Body() note: Note) {
    return note;
  }
}

@Controller('/extra')
class ExtraController {
  @Get('')
  extra() {
    return {};
  }
}

const appWith = (options?: Parameters<typeof serveDocs>[1]) => serveDocs(new App({ logger: false }).include(NotesController), options);
const statusOf = async (client: TestClient, url: string) => (await client.get(url)).status;

describe('serveDocs', () => {
  it('documents validation errors with the app\'s validationErrorStatus, as openapiDocument(app) does', async () => {
    const app = serveDocs(new App({ logger: false, validationErrorStatus: 400 }).include(NotesController));
    const served = (await new TestClient(app).get('/openapi.json')).json();
    const responses = Object.keys(served.paths['/notes'].post.responses);
    expect(responses).toContain('400');
    expect(responses).not.toContain('422');
    expect(served).toEqual(openapiDocument(app));
  });

  it('serves /openapi.json, /docs (with /docs/oauth2-redirect) and /redoc by default, none of them documented', async () => {
    const client = new TestClient(appWith({ title: 'Notes', version: '1.2.3' }));
    const res = await client.get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    const doc = res.json();
    expect(doc).toMatchObject({ openapi: '3.1.0', info: { title: 'Notes', version: '1.2.3' } });
    expect(Object.keys(doc.paths)).toEqual(['/notes']);
    for (const url of ['/docs', '/docs/oauth2-redirect', '/redoc']) {
      const page = await client.get(url);
      expect(page.status, url).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    }
    expect((await client.get('/docs')).text).toContain('<title>Notes - Swagger UI</title>');
    expect((await client.get('/redoc')).text).toContain('<redoc spec-url="/openapi.json"></redoc>');
  });

  it('points the pages at local assets only, and keeps ReDoc on its origin with a CSP', async () => {
    const client = new TestClient(appWith());
    const swagger = (await client.get('/docs')).text;
    expect(swagger).toContain('<script src="/docs/assets/swagger-ui-bundle.js"></script>');
    expect(swagger).toContain('href="/docs/assets/swagger-ui.css"');
    expect(swagger).toContain('"validatorUrl":null');
    const redoc = await client.get('/redoc');
    expect(redoc.text).toContain('<script src="/redoc/assets/redoc.standalone.js"></script>');
    expect(redoc.headers['content-security-policy']).toMatch(/^default-src 'self';.* img-src 'self' data: blob:;.* connect-src 'self'$/);
    for (const text of [swagger, redoc.text, (await client.get('/docs/oauth2-redirect')).text]) expect(text).not.toMatch(/https?:|\/\/[a-z]|cdn|fonts\.g/i);
  });

  it('serves the asset files with their types', async () => {
    const client = new TestClient(appWith());
    const css = await client.get('/docs/assets/swagger-ui.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const js = await client.get('/docs/assets/swagger-ui-bundle.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(Number(js.headers['content-length'])).toBeGreaterThan(1_000_000);
    expect((await client.get('/docs/assets/favicon-32x32.png')).headers['content-type']).toBe('image/png');
    expect((await client.get('/redoc/assets/redoc.standalone.js')).status).toBe(200);
  });

  it('opens only files listed in the asset directory: no traversal, no other files', async () => {
    const client = new TestClient(appWith());
    // Dot segments are resolved before routing: these end up at other URLs, never at a file.
    for (const url of ['/docs/assets/%2e%2e', '/docs/assets/..', '/docs/assets/../../package.json', '/docs/assets/%2e%2e/%2e%2e/package.json']) {
      const res = await client.get(url);
      expect(res.status, url).not.toBe(200);
      expect(res.text, url).not.toContain('"name"');
    }
    for (const url of [
      '/docs/assets/..%2Fpackage.json',
      '/docs/assets/..%2F..%2F..%2Fpackage.json',
      '/docs/assets/%2e%2e%2fpackage.json',
      '/docs/assets/..%5Cpackage.json',
      '/docs/assets/package.json',
      '/docs/assets/index.html',
      '/docs/assets/swagger-initializer.js',
      '/docs/assets/__proto__',
      '/redoc/assets/LICENSE',
      '/redoc/assets/..%2F..%2Fsrc%2Findex.ts',
      '/redoc/assets/swagger-ui.css',
    ]) {
      expect(await statusOf(client, url), url).toBe(404);
    }
  });

  it('moves or turns off each URL', async () => {
    const moved = new TestClient(appWith({ openapiUrl: '/api/schema.json', docsUrl: '/api/docs', redocUrl: false }));
    expect(await statusOf(moved, '/api/schema.json')).toBe(200);
    expect(await statusOf(moved, '/api/docs')).toBe(200);
    expect(await statusOf(moved, '/api/docs/assets/swagger-ui.css')).toBe(200);
    expect((await moved.get('/api/docs')).text).toContain('"url":"/api/schema.json"');
    for (const url of ['/openapi.json', '/docs', '/redoc', '/redoc/assets/redoc.standalone.js']) expect(await statusOf(moved, url), url).toBe(404);

    const noDocs = new TestClient(appWith({ docsUrl: null }));
    expect(await statusOf(noDocs, '/docs')).toBe(404);
    expect(await statusOf(noDocs, '/docs/assets/swagger-ui.css')).toBe(404);
    expect(await statusOf(noDocs, '/redoc')).toBe(200);

    // As in FastAPI, without a document there are no pages either.
    const nothing = new TestClient(appWith({ openapiUrl: null }));
    for (const url of ['/openapi.json', '/docs', '/redoc']) expect(await statusOf(nothing, url), url).toBe(404);
  });

  it('builds the document once, and again only after the routes changed', async () => {
    const app = appWith();
    const client = new TestClient(app);
    const first = await client.get('/openapi.json');
    const routes = app.routes;
    expect((await client.get('/openapi.json')).text).toBe(first.text);
    expect(app.routes).toBe(routes);

    app.include(ExtraController);
    const after = (await client.get('/openapi.json')).json();
    expect(Object.keys(after.paths)).toEqual(['/notes', '/extra']);
  });

  it('escapes the title in the pages', async () => {
    const client = new TestClient(appWith({ title: '</script><script>alert(1)</script>' }));
    for (const url of ['/docs', '/redoc']) {
      const html = (await client.get(url)).text;
      expect(html).not.toContain('<script>alert(1)');
      expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    }
  });

  it('passes swaggerUiParameters to Swagger UI, safely inside its script', async () => {
    const client = new TestClient(appWith({ swaggerUiParameters: { docExpansion: 'none', odd: '</script>' } }));
    const html = (await client.get('/docs')).text;
    expect(html).toContain('"docExpansion":"none"');
    expect(html).toContain('"odd":"\\u003c/script>"');
  });

  it('serves the vendored ReDoc bundle byte for byte as recorded in vendor/redoc/README.md', async () => {
    const readme = await readFile(new URL('../vendor/redoc/README.md', import.meta.url), 'utf8');
    const recorded = /sha256 `([0-9a-f]{64})`/.exec(readme)?.[1];
    const client = new TestClient(appWith());
    const bundle = (await client.get('/redoc/assets/redoc.standalone.js')).body;
    expect(createHash('sha256').update(bundle).digest('hex')).toBe(recorded);
  });
});
