import { afterEach, describe, expect, it, vi } from 'vitest';
import { App, Controller, Get, JSONResponse, Post, Request, Session, WebSocket, WebSocketRoute, sessions, type SessionOptions } from '@fastts/core';
import { LiveTestClient, type TestResponse } from '@fastts/testing';
import { memoryLogger } from './helpers.js';

// Starlette's SessionMiddleware over real sockets: the test carries the
// session cookie from one request to the next, as a browser would.

const SECRET = 'a test secret of at least 32 bytes, never a real one';
const SHARED = new JSONResponse({ ok: true });

@Controller()
class Api {
  @Post('/login')
  login(request: Request) {
    request.session['user'] = 'alice';
    return { ok: true };
  }

  @Get('/me')
  me(request: Request) {
    return { user: request.session['user'] ?? null };
  }

  @Post('/logout')
  logout(request: Request) {
    request.session = {};
    return { ok: true };
  }

  @Post('/visit')
  visit(session: Session) {
    session['visits'] = ((session['visits'] as number | undefined) ?? 0) + 1;
    return { visits: session['visits'] };
  }

  @Post('/cart')
  cart(request: Request) {
    const cart = ((request.session['cart'] as string[] | undefined) ?? []);
    cart.push('apple');
    request.session['cart'] = cart;
    return { cart };
  }

  @Post('/shared')
  shared(request: Request) {
    request.session['user'] = 'bob';
    return SHARED;
  }

  @Post('/big')
  big(request: Request) {
    request.session['blob'] = 'x'.repeat(5000);
    return { ok: true };
  }

  @Get('/plain')
  plain() {
    return { plain: true };
  }

  @WebSocketRoute('/ws')
  async ws(ws: WebSocket) {
    await ws.accept();
    let wrote = 'no';
    try {
      // Typed Readonly; at run time the object is frozen too.
      (ws.session as Session)['user'] = 'mallory';
    } catch (err) {
      wrote = (err as Error).name;
    }
    await ws.sendJson({ user: ws.session['user'] ?? null, wrote });
    await ws.close();
  }
}

let client: LiveTestClient | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await client?.close();
  client = undefined;
});

async function start(options: Partial<SessionOptions> = {}, logger: App['logger'] | false = false): Promise<LiveTestClient> {
  const app = new App({ logger }).include(Api).use(sessions({ secret: SECRET, ...options }));
  return (client = await LiveTestClient.start(app, { raiseServerExceptions: false }));
}

/** The response's `Set-Cookie` lines for the session cookie. */
function sessionCookies(response: TestResponse, name = 'session'): string[] {
  return [response.headers['set-cookie'] ?? []].flat().filter((line) => line.startsWith(`${name}=`));
}

/** The `name=value` part of the one session cookie the response set, as a browser sends it back. */
function cookieOf(response: TestResponse, name = 'session'): string {
  const lines = sessionCookies(response, name);
  expect(lines).toHaveLength(1);
  return lines[0]!.split(';')[0]!;
}

describe('sessions', () => {
  it('login sets the cookie, the next request reads it, logout clears it', async () => {
    const c = await start();
    const login = await c.post('/login');
    const cookie = cookieOf(login);
    expect((await c.get('/me', { headers: { cookie } })).json()).toEqual({ user: 'alice' });
    expect((await c.get('/me')).json()).toEqual({ user: null });

    const logout = await c.post('/logout', { headers: { cookie } });
    const [cleared] = sessionCookies(logout);
    expect(cleared).toMatch(/^session=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=lax$/);
    expect((await c.get('/me', { headers: { cookie: 'session=' } })).json()).toEqual({ user: null });
    // The cookie is the whole session, as in Starlette: a copy kept from before the logout still reads until it expires.
    expect((await c.get('/me', { headers: { cookie } })).json()).toEqual({ user: 'alice' });
  });

  it('sets no cookie when the session is not changed, and none when it is not read', async () => {
    const c = await start();
    const cookie = cookieOf(await c.post('/login'));
    const read = await c.get('/me', { headers: { cookie } });
    expect(sessionCookies(read)).toEqual([]);
    expect(read.headers['vary']).toBe('Cookie');
    const fresh = await c.get('/me');
    expect(sessionCookies(fresh)).toEqual([]);
    const untouched = await c.get('/plain', { headers: { cookie } });
    expect(untouched.headers['set-cookie']).toBeUndefined();
    expect(untouched.headers['vary']).toBeUndefined();
  });

  it('keeps changes made inside a value, and injects the session by type', async () => {
    const c = await start();
    let cookie = cookieOf(await c.post('/cart'));
    const second = await c.post('/cart', { headers: { cookie } });
    expect(second.json()).toEqual({ cart: ['apple', 'apple'] });
    cookie = cookieOf(second);
    expect((await c.post('/visit', { headers: { cookie } })).json()).toEqual({ visits: 1 });
  });

  it('gives an empty session for a tampered cookie, and never an error', async () => {
    const c = await start();
    const cookie = cookieOf(await c.post('/login'));
    const [name, value] = cookie.split('=') as [string, string];
    const payload = value.slice(0, value.indexOf('.'));
    const forged = Buffer.from(JSON.stringify({ user: 'admin' })).toString('base64url');
    for (const bad of [
      `${name}=${forged}${value.slice(payload.length)}`,
      `${name}=${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}`,
      `${name}=${value.slice(0, value.lastIndexOf('.'))}`,
      `${name}=garbage`,
      // The last character of the signature made non-ASCII (percent-encoded on the wire): same length in characters, not in bytes.
      `${name}=${value.slice(0, -1)}%C5%81`,
    ]) {
      const response = await c.get('/me', { headers: { cookie: bad } });
      expect([response.status, response.json()]).toEqual([200, { user: null }]);
      expect(sessionCookies(response)).toEqual([]);
    }
    // A session signed with another secret is someone else's.
    const other = await LiveTestClient.start(new App({ logger: false }).include(Api).use(sessions({ secret: `${SECRET} but another` })));
    try {
      const foreign = cookieOf(await other.post('/login'));
      expect((await c.get('/me', { headers: { cookie: foreign } })).json()).toEqual({ user: null });
    } finally {
      await other.close();
    }
  });

  it('gives an empty session once the signature is older than maxAgeSeconds', async () => {
    const c = await start();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() - 15 * 24 * 3600 * 1000);
    const old = cookieOf(await c.post('/login'));
    vi.setSystemTime(Date.now() + 2 * 24 * 3600 * 1000);
    const recent = cookieOf(await c.post('/login'));
    vi.useRealTimers();
    expect((await c.get('/me', { headers: { cookie: old } })).json()).toEqual({ user: null });
    expect((await c.get('/me', { headers: { cookie: recent } })).json()).toEqual({ user: 'alice' });
  });

  it('with maxAgeSeconds: null, sets a browser-session cookie and checks no age', async () => {
    const c = await start({ maxAgeSeconds: null });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() - 365 * 24 * 3600 * 1000);
    const login = await c.post('/login');
    vi.useRealTimers();
    expect(sessionCookies(login)[0]).not.toMatch(/Max-Age|Expires/);
    expect((await c.get('/me', { headers: { cookie: cookieOf(login) } })).json()).toEqual({ user: 'alice' });
  });

  it("writes Starlette's cookie attributes, and the options'", async () => {
    let c = await start();
    expect(sessionCookies(await c.post('/login'))[0]).toMatch(/^session=[\w-]+\.\d+\.[\w-]{43}; Max-Age=1209600; Path=\/; HttpOnly; SameSite=lax$/);
    await c.close();
    c = await start({ cookieName: 'sid', maxAgeSeconds: 600, path: '/app', sameSite: 'strict', httpsOnly: true, domain: 'example.com' });
    const [line] = sessionCookies(await c.post('/login'), 'sid');
    expect(line).toMatch(/^sid=[\w-]+\.\d+\.[\w-]{43}; Max-Age=600; Domain=example\.com; Path=\/app; HttpOnly; Secure; SameSite=strict$/);
  });

  it("never puts one request's cookie on a Response instance other requests return", async () => {
    const c = await start();
    expect(sessionCookies(await c.post('/shared'))).toHaveLength(1);
    expect(SHARED.headers['set-cookie']).toBeUndefined();
    const cookie = cookieOf(await c.post('/login'));
    const again = await c.post('/shared', { headers: { cookie } });
    expect(sessionCookies(again)).toHaveLength(1);
    expect(again.json()).toEqual({ ok: true });
  });

  it('refuses a session whose cookie browsers would drop (over 4096 bytes): 500 with the code, no cookie', async () => {
    const logger = memoryLogger();
    const c = await start({}, logger);
    const response = await c.post('/big');
    expect(response.status).toBe(500);
    expect(response.headers['set-cookie']).toBeUndefined();
    const logged = logger.entries.find((e) => e.msg === 'unhandled error');
    expect((logged?.obj['err'] as { code?: string } | undefined)?.code).toBe('FASTTS_ERR_SESSION_STORE');
  });

  it('reading request.session without sessions() is a 500 naming the fix', async () => {
    const logger = memoryLogger();
    client = await LiveTestClient.start(new App({ logger }).include(Api), { raiseServerExceptions: false });
    expect((await client.get('/me')).status).toBe(500);
    expect((await client.post('/visit')).status).toBe(500);
    const errors = logger.entries.filter((e) => e.msg === 'unhandled error').map((e) => e.obj['err'] as { code?: string; message: string });
    expect(errors.map((e) => e.code)).toEqual(['FASTTS_ERR_SESSION_NOT_INSTALLED', 'FASTTS_ERR_SESSION_NOT_INSTALLED']);
    expect(errors[0]!.message).toContain('app.use(sessions({ secret }))');
  });

  it('refuses a short secret and options browsers would ignore, when the middleware is made', () => {
    expect(() => sessions({ secret: 'too short' })).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_SESSION_OPTION', message: expect.stringContaining('32 bytes') }));
    expect(() => sessions({} as SessionOptions)).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_SESSION_OPTION' }));
    expect(() => sessions({ secret: SECRET, sameSite: 'none' })).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_SESSION_OPTION', message: expect.stringContaining('httpsOnly') }));
    expect(() => sessions({ secret: SECRET, maxAgeSeconds: 0 })).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_SESSION_OPTION' }));
    expect(() => sessions({ secret: SECRET, cookieName: 'bad name' })).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_SESSION_OPTION' }));
  });

  it('a WebSocket reads the session of its handshake, read-only', async () => {
    const c = await start();
    const cookie = cookieOf(await c.post('/login'));
    const ws = await c.websocket('/ws', { headers: { cookie } });
    expect(await ws.receiveJson()).toEqual({ user: 'alice', wrote: 'TypeError' });
    await ws.close();
  });
});
