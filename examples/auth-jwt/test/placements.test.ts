import { APIRouter, App, Controller, Depends, Get, HTTPException, Post, dependency } from '@fastts/core';
import { APIKeyHeader, HTTPBasic, HTTPBearer, compareSecret, type HTTPAuthorizationCredentials, type HTTPBasicCredentials } from '@fastts/core/security';
import { openapiDocument } from '@fastts/openapi';
import { LiveTestClient } from '@fastts/testing';
import { afterEach, describe, expect, it } from 'vitest';

// Where a security dependency can go (docs/security.md): on a parameter, a
// route, a controller, a router or the whole app, and optional with
// autoError: false. Each placement checked over a real socket and in the
// OpenAPI document.

const API_KEY = 'test-api-key-0123456789';

const apiKey = APIKeyHeader({ name: 'X-API-Key' });
const requireApiKey = dependency([Depends(apiKey)], (key) => {
  if (!compareSecret(key, API_KEY)) throw new HTTPException(401, 'Invalid API key', { 'WWW-Authenticate': 'APIKey' });
});

const basic = HTTPBasic({ realm: 'reports' });

@Controller('/reports')
class Reports {
  @Get('/mine')
  mine(@Depends(basic) credentials: HTTPBasicCredentials) {
    return { user: credentials.username };
  }
}

@Controller('/admin')
class Admin {
  @Post('/reindex', { dependencies: [Depends(requireApiKey)] })
  reindex() {
    return { reindexing: true };
  }

  @Get('/ping')
  ping() {
    return { pong: true };
  }
}

@Controller('/billing', { dependencies: [Depends(requireApiKey)] })
class Billing {
  @Get('/invoices')
  invoices() {
    return [];
  }
}

@Controller('/metrics')
class Metrics {
  @Get('')
  metrics() {
    return { requests: 1 };
  }
}

const optionalBearer = HTTPBearer({ autoError: false });

@Controller()
class Feed {
  @Get('/feed')
  feed(@Depends(optionalBearer) credentials: HTTPAuthorizationCredentials | null) {
    return credentials ? { feed: 'personal' } : { feed: 'public' };
  }
}

function createApp(): App {
  const internal = new APIRouter({ prefix: '/internal', dependencies: [Depends(requireApiKey)] }).include(Metrics);
  return new App({ logger: false }).include(Reports).include(Admin).include(Billing).include(internal).include(Feed);
}

let client: LiveTestClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

const withKey = { headers: { 'x-api-key': API_KEY } };
const basicAuth = (user: string, password: string) => ({ headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } });

describe('placing security dependencies', () => {
  it('on a parameter: the handler gets the credentials; without them, 401 with the challenge', async () => {
    client = await LiveTestClient.start(createApp());
    expect((await client.get('/reports/mine', basicAuth('ada', 'pw'))).json()).toEqual({ user: 'ada' });
    const missing = await client.get('/reports/mine');
    expect([missing.status, missing.json(), missing.headers['www-authenticate']]).toEqual([401, { detail: 'Not authenticated' }, 'Basic realm="reports"']);
  });

  it('on a route, a controller or a router: checked before the handler, its value unused', async () => {
    client = await LiveTestClient.start(createApp());
    for (const [method, path] of [
      ['post', '/admin/reindex'],
      ['get', '/billing/invoices'],
      ['get', '/internal/metrics'],
    ] as const) {
      expect((await client[method](path, withKey)).status, path).toBe(200);
      const missing = await client[method](path);
      expect([missing.status, missing.json(), missing.headers['www-authenticate']], path).toEqual([401, { detail: 'Not authenticated' }, 'APIKey']);
      const wrong = await client[method](path, { headers: { 'x-api-key': 'guess' } });
      expect([wrong.status, wrong.json()], path).toEqual([401, { detail: 'Invalid API key' }]);
    }
    // The route-level dependency guards that route only.
    expect((await client.get('/admin/ping')).status).toBe(200);
  });

  it('on the app: every route', async () => {
    const app = new App({ logger: false, dependencies: [Depends(requireApiKey)] }).include(Metrics);
    client = await LiveTestClient.start(app);
    expect((await client.get('/metrics')).status).toBe(401);
    expect((await client.get('/metrics', withKey)).json()).toEqual({ requests: 1 });
  });

  it('optional with autoError: false: null instead of a 401', async () => {
    client = await LiveTestClient.start(createApp());
    expect((await client.get('/feed')).json()).toEqual({ feed: 'public' });
    expect((await client.get('/feed', { headers: { authorization: 'Bearer abc' } })).json()).toEqual({ feed: 'personal' });
  });

  it('lists each scheme once in the OpenAPI document, and on each operation it guards', () => {
    const doc = openapiDocument(createApp());
    expect(doc.components!.securitySchemes).toEqual({
      HTTPBasic: { type: 'http', scheme: 'basic' },
      APIKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      HTTPBearer: { type: 'http', scheme: 'bearer' },
    });
    expect(doc.paths['/reports/mine']!['get']!.security).toEqual([{ HTTPBasic: [] }]);
    expect(doc.paths['/admin/reindex']!['post']!.security).toEqual([{ APIKeyHeader: [] }]);
    expect(doc.paths['/billing/invoices']!['get']!.security).toEqual([{ APIKeyHeader: [] }]);
    expect(doc.paths['/internal/metrics']!['get']!.security).toEqual([{ APIKeyHeader: [] }]);
    // Optional authentication is listed too, as FastAPI lists it.
    expect(doc.paths['/feed']!['get']!.security).toEqual([{ HTTPBearer: [] }]);
    expect(doc.paths['/admin/ping']!['get']).not.toHaveProperty('security');
  });
});
