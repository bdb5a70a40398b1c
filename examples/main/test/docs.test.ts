import { LiveTestClient } from '@fastts/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';

// The main example serves its own docs: the document, Swagger UI, ReDoc, and
// their assets, all from this server.

describe('main: docs', () => {
  let client: LiveTestClient | undefined;

  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  it('answers /openapi.json with an OpenAPI 3.1 document of every route', async () => {
    const app = createApp({ logger: false });
    client = await LiveTestClient.start(app);
    const res = await client.get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    const doc = res.json() as { openapi: string; info: { title: string }; paths: Record<string, Record<string, { operationId: string }>> };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('fastts main example');
    expect(Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`))).toEqual([
      'get /',
      'get /items/{item_id}',
      'post /items/{item_id}/process',
    ]);
    // The docs' own routes are served but not documented.
    const served = app.routes.map((r) => r.path);
    expect(served).toEqual(expect.arrayContaining(['/openapi.json', '/docs', '/redoc']));
    expect(doc.paths['/items/{item_id}']!['get']).toMatchObject({ tags: ['items'], summary: 'Read an item', operationId: 'read_items__item_id__get' });
  });

  it('serves Swagger UI and ReDoc pages that load nothing from elsewhere', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    for (const [url, script] of [
      ['/docs', '/docs/assets/swagger-ui-bundle.js'],
      ['/redoc', '/redoc/assets/redoc.standalone.js'],
      ['/docs/oauth2-redirect', '/docs/assets/oauth2-redirect.js'],
    ] as const) {
      const page = await client.get(url);
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.text).not.toMatch(/https?:|\/\/[a-z]|cdn/i);
      expect(page.text).toContain(`src="${script}"`);
      for (const ref of page.text.matchAll(/(?:src|href)="([^"]+)"/g)) {
        const asset = await client.get(ref[1]!);
        expect(asset.status, ref[1]).toBe(200);
      }
    }
  });
});
