import { afterEach, describe, expect, it } from 'vitest';
import { APIRouter, App, Controller, Depends, Get, Header, HTTPException, Path, dependency } from '@fastts/core';
import { openapiDocument, serveDocs, type OpenAPIDocument } from '@fastts/openapi';
import { expectValidOpenAPI } from './validate.js';

// The document of an app with routers and mounts, over real sockets: the
// routers' prefixes, tags, dependencies' parameters and extra responses are
// in it; a mounted app is not, and serves its own under its path; the root
// path is the first server and the docs pages link under it.

const apps: App[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close({ timeoutMs: 2000 })));
});

const documentAt = async (url: string) => (await (await fetch(url)).json()) as OpenAPIDocument;

async function serveApp(app: App): Promise<string> {
  apps.push(app);
  const { port } = await app.listen(0);
  return `http://127.0.0.1:${port}`;
}

const requireToken = dependency([Header('x-token')], (token: string) => {
  if (token !== 'secret') throw new HTTPException(403, 'Bad token');
});

@Controller('/items')
class Items {
  @Get('/{id}', { tags: ['read'] })
  read(@Path('id') id: string) {
    return { id };
  }
}

@Controller()
class Reports {
  @Get('/reports')
  reports() {
    return [];
  }
}

function mainApp(): { main: App; reports: App } {
  const items = new APIRouter({ prefix: '/items-api', tags: ['items'], dependencies: [Depends(requireToken)], responses: { 403: { description: 'Bad token' } } }).include(Items);
  const reports = serveDocs(new App({ logger: false }).include(Reports), { title: 'Reports' });
  const main = serveDocs(new App({ logger: false }).include(items, { prefix: '/v1' }).mount('/reports-app', reports), { title: 'Main' });
  return { main, reports };
}

describe('OpenAPI with routers and mounts', () => {
  it('documents a router\'s routes with its prefix, tags, dependency parameters and extra responses', async () => {
    const base = await serveApp(mainApp().main);
    const doc = await documentAt(`${base}/openapi.json`);
    await expectValidOpenAPI(doc);
    expect(Object.keys(doc.paths)).toEqual(['/v1/items-api/items/{id}']);
    const operation = doc.paths['/v1/items-api/items/{id}']!['get']!;
    expect(operation.tags).toEqual(['items', 'read']);
    expect(operation.parameters!.map((p) => `${String(p['in'])}:${String(p['name'])}`)).toEqual(['path:id', 'header:x-token']);
    expect(Object.keys(operation.responses)).toEqual(['200', '403', '422']);
    expect(operation.responses['403']).toEqual({ description: 'Bad token' });
    // Served under no root path: no servers entry, as FastAPI.
    expect(doc.servers).toBeUndefined();
  });

  it('serves a mounted app\'s own document and docs under the mount, with the mount as its server', async () => {
    const base = await serveApp(mainApp().main);
    const doc = await documentAt(`${base}/reports-app/openapi.json`);
    await expectValidOpenAPI(doc);
    expect(doc.info.title).toBe('Reports');
    expect(doc.servers).toEqual([{ url: '/reports-app' }]);
    expect(Object.keys(doc.paths)).toEqual(['/reports']);
    const page = await (await fetch(`${base}/reports-app/docs`)).text();
    expect(page).toContain('"url":"/reports-app/openapi.json"');
    expect(page).toContain('href="/reports-app/docs/assets/swagger-ui.css"');
    // The page's assets are served where it links them.
    expect((await fetch(`${base}/reports-app/docs/assets/swagger-ui.css`)).status).toBe(200);
    const redoc = await (await fetch(`${base}/reports-app/redoc`)).text();
    expect(redoc).toContain('spec-url="/reports-app/openapi.json"');
    expect(redoc).toContain('src="/reports-app/redoc/assets/redoc.standalone.js"');
  });

  it('puts the rootPath option first in servers and under every docs link, unless a server already has it', async () => {
    const app = serveDocs(new App({ logger: false, rootPath: '/behind/proxy' }).include(Reports), { servers: [{ url: 'https://api.example.com' }] });
    const base = await serveApp(app);
    const doc = await documentAt(`${base}/openapi.json`);
    expect(doc.servers).toEqual([{ url: '/behind/proxy' }, { url: 'https://api.example.com' }]);
    expect(await (await fetch(`${base}/docs`)).text()).toContain('"url":"/behind/proxy/openapi.json"');
    const listed = openapiDocument(new App({ logger: false, rootPath: '/behind/proxy' }), { servers: [{ url: '/behind/proxy', description: 'proxy' }] });
    expect(listed.servers).toEqual([{ url: '/behind/proxy', description: 'proxy' }]);
  });
});
