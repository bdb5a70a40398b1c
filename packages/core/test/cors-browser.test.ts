import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IsInt, IsString } from 'class-validator';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, Body, Controller, Cookie, Get, HTTPException, Post, Response, cors } from '@fastts/core';
import { BROWSER_TIMEOUT as TIMEOUT, browserSuite, launchChromium } from '../../../test/chromium.js';

// CORS as a browser enforces it, in Debian's headless Chromium: a page from
// another origin calls the API with credentials and reads its 422, and a page
// from an origin the API does not allow can read nothing. Three servers on
// 127.0.0.1, one port each: three origins, one site (a host has no
// registrable domain, and ports do not count), so the API's SameSite=Lax
// cookie goes with a fetch made with `credentials: 'include'` without https.

const { run, title } = browserSuite('cors in a browser');

class Item {
  @IsInt()
  id!: number;

  @IsString()
  name!: string;
}

@Controller()
class Api {
  @Post('/login')
  login(response: Response) {
    // FastAPI's defaults: Path=/, SameSite=lax.
    response.setCookie('session', 'alice-token', { httpOnly: true });
    return { ok: true };
  }

  @Get('/me')
  me(@Cookie('session', { optional: true }) session?: string) {
    if (session !== 'alice-token') throw new HTTPException(401, 'Not authenticated');
    return { user: 'alice' };
  }

  @Post('/items')
  create(@Body() item: Item) {
    return item;
  }
}

interface Seen {
  method: string;
  path: string;
  origin?: string;
  cookie?: string;
  requestMethod?: string;
  requestHeaders?: string;
}

interface Call {
  status?: number;
  body?: unknown;
  error?: string;
}

/** The page's script: every call with credentials, each result (or the error fetch threw) on `window.results`. */
function page(api: string): string {
  return `<!doctype html>
<meta charset="utf-8">
<title>front</title>
<script type="module">
const api = ${JSON.stringify(api)};
async function call(path, init = {}) {
  try {
    const res = await fetch(api + path, { credentials: 'include', ...init });
    return { status: res.status, body: await res.json() };
  } catch (error) {
    return { error: error.name + ': ' + error.message };
  }
}
const results = {};
results.before = await call('/me');
results.login = await call('/login', { method: 'POST' });
results.me = await call('/me');
results.invalid = await call('/items', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'x', name: 42 }) });
window.results = results;
</script>
`;
}

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A plain node:http front end: the page at `/` (the API's address read when asked: the API's origin list needs the front's first), an empty favicon (so no 404 reaches the console). */
function front(api: () => string): Server {
  return createServer((req, res) => {
    if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(api()));
    else res.writeHead(204).end();
  });
}

describe.skipIf(!run)(title, () => {
  let browser: Browser;
  let app: App;
  let api: string;
  const fronts: Server[] = [];
  let allowed: string;
  let denied: string;
  const seen: Seen[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    const allowedFront = front(() => api);
    allowed = await listen(allowedFront);
    fronts.push(allowedFront);

    app = new App({ logger: false }).include(Api);
    // Outermost, so it sees the preflights that cors() answers before routing.
    app.use((request, next) => {
      const h = request.raw.headers;
      seen.push({ method: request.method, path: request.path, origin: h.origin, cookie: h.cookie, requestMethod: h['access-control-request-method'], requestHeaders: h['access-control-request-headers'] });
      return next();
    });
    app.use(cors({ allowOrigins: [allowed], allowCredentials: true, allowMethods: ['*'], allowHeaders: ['*'] }));
    const { port } = await app.listen(0, '127.0.0.1');
    api = `http://127.0.0.1:${port}`;

    const deniedFront = front(() => api);
    denied = await listen(deniedFront);
    fronts.push(deniedFront);
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await Promise.all(fronts.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  /**
   * Not `loopbackOnly()`: with a route installed, Playwright answers every
   * CORS preflight itself with a permissive 204 (playwright-core's
   * crNetworkManager, `isInterceptedOptionsPreflight`), so the API would
   * never see one and a refused origin would pass. The context here
   * intercepts nothing; it records what the page asked for, and the tests
   * assert that it is the loopback addresses they expect, nothing else.
   */
  async function open(origin: string) {
    const context = await browser.newContext();
    const requested: string[] = [];
    const errors: string[] = [];
    context.on('request', (request) => void requested.push(request.url()));
    context.on('page', (tab) => {
      tab.on('pageerror', (err) => errors.push(err.message));
      tab.on('console', (message) => void (message.type() === 'error' && errors.push(message.text())));
    });
    const tab = await context.newPage();
    await tab.goto(`${origin}/`);
    await tab.waitForFunction(() => 'results' in globalThis, undefined, { timeout: TIMEOUT });
    const results = (await tab.evaluate(() => (globalThis as unknown as { results: unknown }).results)) as Record<'before' | 'login' | 'me' | 'invalid', Call>;
    await context.close();
    return { results, requested, errors };
  }

  it(
    'an allowed origin logs in with a cookie, calls the protected route and reads the 422 after a preflight',
    async () => {
      const { results, requested, errors } = await open(allowed);

      expect(results.before).toEqual({ status: 401, body: { detail: 'Not authenticated' } });
      expect(results.login).toEqual({ status: 200, body: { ok: true } });
      expect(results.me).toEqual({ status: 200, body: { user: 'alice' } });
      expect(results.invalid.status).toBe(422);
      // FastAPI's shape, read by the page through CORS.
      const issue = (loc: string[]) => expect.objectContaining({ loc, msg: expect.any(String), type: expect.any(String) });
      expect(results.invalid.body).toEqual({ detail: [issue(['body', 'id']), issue(['body', 'name'])] });

      const fromPage = seen.filter((s) => s.origin === allowed);
      // The cookie set cross-origin came back on the credentialed call, and only after login.
      expect(fromPage.filter((s) => s.path === '/me').map((s) => s.cookie)).toEqual([undefined, 'session=alice-token']);
      // JSON is not a CORS-safelisted content type: the browser asked first.
      const preflights = fromPage.filter((s) => s.method === 'OPTIONS');
      expect(preflights).toEqual([{ method: 'OPTIONS', path: '/items', origin: allowed, cookie: undefined, requestMethod: 'POST', requestHeaders: 'content-type' }]);
      expect(fromPage.map((s) => `${s.method} ${s.path}`)).toEqual(['GET /me', 'POST /login', 'GET /me', 'OPTIONS /items', 'POST /items']);

      expect(requested).toEqual([`${allowed}/`, `${api}/me`, `${api}/login`, `${api}/me`, `${api}/items`]);
      // The browser logs every non-2xx answer; there is no CORS error among them.
      expect(errors).toEqual([
        'Failed to load resource: the server responded with a status of 401 (Unauthorized)',
        'Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)',
      ]);
    },
    TIMEOUT,
  );

  it(
    'an origin not allowed gets a TypeError from fetch and reads no body',
    async () => {
      const { results, requested, errors } = await open(denied);

      const refused = { error: 'TypeError: Failed to fetch' };
      expect(results).toEqual({ before: refused, login: refused, me: refused, invalid: refused });

      const fromPage = seen.filter((s) => s.origin === denied);
      // Simple requests reach the API (the browser withholds the answer); the preflight is refused, so the POST never leaves.
      expect(fromPage.map((s) => `${s.method} ${s.path}`)).toEqual(['GET /me', 'POST /login', 'GET /me', 'OPTIONS /items']);

      expect(requested).toEqual([`${denied}/`, `${api}/me`, `${api}/login`, `${api}/me`, `${api}/items`]);
      // Each refusal is logged twice: Chromium's CORS message, then the failed load.
      const blocked = (path: string, why: string) => [
        expect.stringMatching(new RegExp(`^${literal(`Access to fetch at '${api}${path}' from origin '${denied}' has been blocked by CORS policy: ${why}`)}`)),
        'Failed to load resource: net::ERR_FAILED',
      ];
      const noHeader = "No 'Access-Control-Allow-Origin' header is present on the requested resource.";
      expect(errors).toEqual([
        ...blocked('/me', noHeader),
        ...blocked('/login', noHeader),
        ...blocked('/me', noHeader),
        ...blocked('/items', `Response to preflight request doesn't pass access control check: ${noHeader}`),
      ]);
    },
    TIMEOUT,
  );
});
