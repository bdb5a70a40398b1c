import { SignJWT, decodeJwt } from 'jose';
import { LiveTestClient } from '@fastts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { getCurrentUser } from '../src/auth.js';
import { Settings } from '../src/settings.js';
import { fakeUsersDb } from '../src/users.js';

// FastAPI's OAuth2 password + JWT + scopes tutorials, over a real socket: the
// token route, then every way a token can fail to open /users/me.

const SECRET = 'a-test-secret-of-at-least-32-characters';
const settings = Object.assign(new Settings(), { jwtSecret: SECRET });
const key = (secret: string) => new TextEncoder().encode(secret);
const now = () => Math.floor(Date.now() / 1000);

/** A token signed outside the app, to forge what the token route would never issue. */
function sign(claims: Record<string, unknown>, { secret = SECRET, sub = 'johndoe' as string | null, exp = (now() + 600) as number | null } = {}): Promise<string> {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' });
  // null leaves the claim out (undefined would take the default).
  if (sub !== null) jwt = jwt.setSubject(sub);
  if (exp !== null) jwt = jwt.setExpirationTime(exp);
  return jwt.sign(key(secret));
}

let client: LiveTestClient;
beforeAll(async () => {
  client = await LiveTestClient.start(createApp({ logger: false, settings }));
});
afterAll(async () => {
  await client?.close();
});

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

async function login(username: string, password: string, scope?: string) {
  return client.post('/token', { form: { username, password, ...(scope === undefined ? {} : { scope }) } });
}

async function tokenFor(username: string, password: string, scope: string): Promise<string> {
  const res = await login(username, password, scope);
  expect(res.status).toBe(200);
  return res.json().access_token;
}

/** The answer as the client sees it: status, body and the challenge. */
async function get(path: string, token?: string) {
  const res = await client.get(path, token === undefined ? {} : bearer(token));
  return { status: res.status, body: res.json(), challenge: res.headers['www-authenticate'] ?? null };
}

const cannotValidate = (challenge: string) => ({ status: 401, body: { detail: 'Could not validate credentials' }, challenge });

describe('POST /token', () => {
  it('issues a bearer JWT for johndoe/secret with sub, scope and a 30-minute exp, not to be cached', async () => {
    const before = now();
    const res = await login('johndoe', 'secret', 'me items');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body).toEqual({ access_token: expect.any(String), token_type: 'bearer' });
    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({ sub: 'johndoe', scope: 'me items' });
    expect(claims.exp! - claims.iat!).toBe(30 * 60);
    expect(claims.iat!).toBeGreaterThanOrEqual(before);
  });

  it('grants only the scopes asked for that the user may have', async () => {
    expect(decodeJwt(await tokenFor('johndoe', 'secret', 'items admin'))).toMatchObject({ scope: 'items' });
    expect(decodeJwt(await tokenFor('johndoe', 'secret', ''))).toMatchObject({ scope: '' });
  });

  it('answers 401 Incorrect username or password with WWW-Authenticate: Bearer, alike for a wrong password and an unknown user', async () => {
    for (const [username, password] of [
      ['johndoe', 'wrong'],
      ['johndoe', 'Secret'],
      ['johndoe', ''],
      ['nobody', 'secret'],
    ]) {
      const res = await login(username!, password!);
      expect({ status: res.status, body: res.json(), challenge: res.headers['www-authenticate'] }, `${username}/${password}`).toEqual({
        status: 401,
        body: { detail: 'Incorrect username or password' },
        challenge: 'Bearer',
      });
    }
  });

  it("answers 422 to a form without a password, as FastAPI's OAuth2PasswordRequestForm", async () => {
    const res = await client.post('/token', { form: { username: 'johndoe' } });
    expect(res.status).toBe(422);
    expect(res.json()).toEqual({ detail: [{ type: 'missing', loc: ['body', 'password'], msg: 'Field required', input: null }] });
  });
});

describe('GET /users/me and /users/me/items', () => {
  it('give the user (without the hash) and their items with a token holding the scopes', async () => {
    const token = await tokenFor('johndoe', 'secret', 'me items');
    expect(await get('/users/me', token)).toEqual({
      status: 200,
      body: { username: 'johndoe', email: 'johndoe@example.com', full_name: 'John Doe', disabled: false },
      challenge: null,
    });
    expect(await get('/users/me/items', token)).toEqual({ status: 200, body: [{ item_id: 'Foo', owner: 'johndoe' }], challenge: null });
  });

  it('answer 401 Not authenticated without a token, or with an empty one or of another scheme', async () => {
    const notAuthenticated = { status: 401, body: { detail: 'Not authenticated' }, challenge: 'Bearer' };
    expect(await get('/users/me')).toEqual(notAuthenticated);
    expect(await get('/users/me/items')).toEqual(notAuthenticated);
    const basic = await client.get('/users/me', { headers: { authorization: 'Basic am9obmRvZTpzZWNyZXQ=' } });
    expect(basic.status).toBe(401);
    const empty = await client.get('/users/me', { headers: { authorization: 'Bearer ' } });
    expect(empty.status).toBe(401);
  });

  it('answer 401 Could not validate credentials to a token that is not a JWT, naming the scopes needed', async () => {
    for (const token of ['not-a-jwt', 'a.b.c', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqb2huZG9lIn0', '...']) {
      expect(await get('/users/me', token), token).toEqual(cannotValidate('Bearer scope="me"'));
      expect(await get('/users/me/items', token), token).toEqual(cannotValidate('Bearer scope="items me"'));
    }
  });

  it('answer 401 to an expired token', async () => {
    const expired = await sign({ scope: 'me items' }, { exp: now() - 60 });
    expect(await get('/users/me', expired)).toEqual(cannotValidate('Bearer scope="me"'));
    // The same claims, still valid: only the expiry differs.
    expect((await get('/users/me', await sign({ scope: 'me items' }))).status).toBe(200);
  });

  it('answer 401 to a token signed with another secret, or altered after signing', async () => {
    const forged = await sign({ scope: 'me items' }, { secret: 'another-secret-of-at-least-32-characters' });
    expect(await get('/users/me', forged)).toEqual(cannotValidate('Bearer scope="me"'));
    const genuine = await tokenFor('johndoe', 'secret', 'me');
    const [header, , signature] = genuine.split('.');
    const widened = Buffer.from(JSON.stringify({ ...decodeJwt(genuine), scope: 'me items' })).toString('base64url');
    expect(await get('/users/me/items', `${header}.${widened}.${signature}`)).toEqual(cannotValidate('Bearer scope="items me"'));
  });

  it("answer 401 to an unsigned token (alg none), whatever it claims", async () => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub: 'johndoe', scope: 'me items', exp: now() + 600 })}.`;
    expect(await get('/users/me', unsigned)).toEqual(cannotValidate('Bearer scope="me"'));
  });

  it('answer 401 to a token without exp or sub, or whose scope is not text', async () => {
    expect(await get('/users/me', await sign({ scope: 'me' }, { exp: null }))).toEqual(cannotValidate('Bearer scope="me"'));
    expect(await get('/users/me', await sign({ scope: 'me' }, { sub: null }))).toEqual(cannotValidate('Bearer scope="me"'));
    expect(await get('/users/me', await sign({ scope: ['me'] }))).toEqual(cannotValidate('Bearer scope="me"'));
  });

  it('answer 401 to a valid token for a user who does not exist', async () => {
    expect(await get('/users/me', await sign({ scope: 'me items' }, { sub: 'ghost' }))).toEqual(cannotValidate('Bearer scope="me"'));
  });

  it('answer 401 Not enough permissions when the token lacks a scope the route needs', async () => {
    const meOnly = await tokenFor('johndoe', 'secret', 'me');
    expect((await get('/users/me', meOnly)).status).toBe(200);
    expect(await get('/users/me/items', meOnly)).toEqual({ status: 401, body: { detail: 'Not enough permissions' }, challenge: 'Bearer scope="items me"' });
    const itemsOnly = await tokenFor('johndoe', 'secret', 'items');
    expect(await get('/users/me', itemsOnly)).toEqual({ status: 401, body: { detail: 'Not enough permissions' }, challenge: 'Bearer scope="me"' });
    expect(await get('/users/me/items', itemsOnly)).toEqual({ status: 401, body: { detail: 'Not enough permissions' }, challenge: 'Bearer scope="items me"' });
  });

  it('answer 400 Inactive user to a disabled user with a valid token', async () => {
    const token = await tokenFor('alice', 'secret2', 'me items');
    expect(await get('/users/me', token)).toEqual({ status: 400, body: { detail: 'Inactive user' }, challenge: null });
    expect(await get('/users/me/items', token)).toEqual({ status: 400, body: { detail: 'Inactive user' }, challenge: null });
  });
});

describe('tests of routes behind the token', () => {
  it('can stand in the current user with dependencyOverrides, and skip the token', async () => {
    const app = createApp({ logger: false, settings });
    app.dependencyOverrides.set(getCurrentUser, () => fakeUsersDb.get('johndoe')!);
    const overridden = await LiveTestClient.start(app);
    try {
      expect((await overridden.get('/users/me/items')).json()).toEqual([{ item_id: 'Foo', owner: 'johndoe' }]);
    } finally {
      await overridden.close();
    }
  });
});

describe('GET /status', () => {
  it('needs no token', async () => {
    expect(await get('/status')).toEqual({ status: 200, body: { status: 'ok' }, challenge: null });
  });
});

describe('the OpenAPI document', () => {
  it('lists the OAuth2 password flow with its scopes, and what each operation requires', async () => {
    const doc = (await client.get('/openapi.json')).json();
    expect(doc.components.securitySchemes).toEqual({
      OAuth2PasswordBearer: {
        type: 'oauth2',
        flows: { password: { scopes: { me: 'Read information about the current user.', items: 'Read items.' }, tokenUrl: 'token' } },
      },
    });
    expect(doc.paths['/users/me'].get.security).toEqual([{ OAuth2PasswordBearer: ['me'] }]);
    expect(doc.paths['/users/me/items'].get.security).toEqual([{ OAuth2PasswordBearer: ['items', 'me'] }]);
    expect(doc.paths['/status'].get).not.toHaveProperty('security');
    expect(doc.paths['/token'].post).not.toHaveProperty('security');
    // The token route's body is the password form, urlencoded, as Swagger UI's Authorize dialog posts it.
    const body = doc.paths['/token'].post.requestBody;
    expect(Object.keys(body.content)).toEqual(['application/x-www-form-urlencoded']);
    const form = doc.components.schemas[body.content['application/x-www-form-urlencoded'].schema.$ref.split('/').pop()];
    expect(form.required).toEqual(['username', 'password']);
  });

  it('serves Swagger UI at /docs with its OAuth2 redirect page', async () => {
    const page = await client.get('/docs');
    expect(page.status).toBe(200);
    expect(page.text).toContain('/openapi.json');
    expect((await client.get('/docs/oauth2-redirect')).status).toBe(200);
  });
});
