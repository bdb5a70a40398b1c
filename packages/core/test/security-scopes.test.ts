import { afterEach, describe, expect, it } from 'vitest';
import { APIRouter, App, Controller, Depends, Get, HTTPException, Injectable, dependency } from '@fastts/core';
import { OAuth2PasswordBearer, Security, SecurityScopes } from '@fastts/core/security';

// Security(dep, { scopes }) and SecurityScopes as in FastAPI's "OAuth2 scopes"
// tutorial: scopes merge down the tree, each dependency sees those above it,
// and the per-request cache is keyed by the dependency and its set of scopes.

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function listen(a: App): Promise<string> {
  app = a;
  const { port } = await a.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${port}`;
}

async function call(url: string, token?: string): Promise<{ status: number; body: unknown; challenge: string | null }> {
  const res = await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json(), challenge: res.headers.get('www-authenticate') };
}

// Tokens name a user and the scopes granted to it.
const grants: Record<string, { username: string; scopes: string[] }> = {
  'all': { username: 'ada', scopes: ['me', 'items'] },
  'me-only': { username: 'bob', scopes: ['me'] },
};

const oauth2Scheme = OAuth2PasswordBearer({ tokenUrl: 'token', scopes: { me: 'Read information about the current user.', items: 'Read items.' } });

const getCurrentUser = dependency([SecurityScopes, Depends(oauth2Scheme)], (securityScopes, token) => {
  const authenticate = securityScopes.scopes.length > 0 ? `Bearer scope="${securityScopes.scopeStr}"` : 'Bearer';
  const grant = grants[token];
  if (!grant) throw new HTTPException(401, 'Could not validate credentials', { 'WWW-Authenticate': authenticate });
  for (const scope of securityScopes.scopes) {
    if (!grant.scopes.includes(scope)) throw new HTTPException(401, 'Not enough permissions', { 'WWW-Authenticate': authenticate });
  }
  return { username: grant.username, required: securityScopes.scopes };
});

const getCurrentActiveUser = dependency([Security(getCurrentUser, { scopes: ['me'] })], (user) => user);

@Controller()
class Tutorial {
  @Get('/users/me')
  me(@Depends(getCurrentActiveUser) user: { username: string; required: readonly string[] }) {
    return user;
  }

  @Get('/users/me/items')
  items(@Security(getCurrentActiveUser, { scopes: ['items'] }) user: { username: string; required: readonly string[] }) {
    return user;
  }

  @Get('/status')
  status(@Depends(getCurrentUser) user: { username: string }) {
    return user;
  }

  @Get('/root-scopes')
  rootScopes(scopes: SecurityScopes) {
    return { scopes: scopes.scopes, scopeStr: scopes.scopeStr };
  }
}

describe('Security and SecurityScopes', () => {
  it("merges scopes down the tree, outermost first, as FastAPI's tutorial reads them", async () => {
    const base = await listen(new App({ logger: false }).include(Tutorial));
    expect(await call(`${base}/users/me`, 'all')).toEqual({ status: 200, body: { username: 'ada', required: ['me'] }, challenge: null });
    expect(await call(`${base}/users/me/items`, 'all')).toEqual({ status: 200, body: { username: 'ada', required: ['items', 'me'] }, challenge: null });
    expect(await call(`${base}/status`, 'me-only')).toEqual({ status: 200, body: { username: 'bob', required: [] }, challenge: null });
    expect(await call(`${base}/root-scopes`)).toEqual({ status: 200, body: { scopes: [], scopeStr: '' }, challenge: null });
  });

  it('lets the dependency refuse a missing scope with 401 and WWW-Authenticate: Bearer scope="..."', async () => {
    const base = await listen(new App({ logger: false }).include(Tutorial));
    expect(await call(`${base}/users/me`, 'me-only')).toMatchObject({ status: 200 });
    expect(await call(`${base}/users/me/items`, 'me-only')).toEqual({ status: 401, body: { detail: 'Not enough permissions' }, challenge: 'Bearer scope="items me"' });
    expect(await call(`${base}/users/me/items`, 'forged')).toEqual({ status: 401, body: { detail: 'Could not validate credentials' }, challenge: 'Bearer scope="items me"' });
    expect(await call(`${base}/users/me/items`)).toEqual({ status: 401, body: { detail: 'Not authenticated' }, challenge: 'Bearer' });
  });

  it('carries scopes from route, controller, router and app dependencies', async () => {
    const seen: string[] = [];
    const record = (where: string) => dependency([SecurityScopes], (s) => void seen.push(`${where}: ${s.scopeStr}`));

    @Controller('/c', { dependencies: [Security(record('controller'), { scopes: ['controller'] })] })
    class Guarded {
      @Get('', { dependencies: [Security(record('route'), { scopes: ['route'] })] })
      get() {
        return {};
      }
    }
    const router = new APIRouter({ dependencies: [Security(record('router'), { scopes: ['router'] })] }).include(Guarded);
    const base = await listen(new App({ logger: false, dependencies: [Security(record('app'), { scopes: ['app'] })] }).include(router));
    expect((await call(`${base}/c`)).status).toBe(200);
    expect(seen).toEqual(['app: app', 'router: router', 'controller: controller', 'route: route']);
  });

  it('injects SecurityScopes into a class dependency by its constructor type', async () => {
    @Injectable()
    class NeedsScopes {
      readonly scopes: readonly string[];
      constructor(scopes: SecurityScopes) {
        this.scopes = scopes.scopes;
      }
    }
    const outer = dependency([Security(NeedsScopes, { scopes: ['b', 'a'] })], (inner) => inner.scopes);

    @Controller()
    class Api {
      @Get('/')
      get(@Security(outer, { scopes: ['a', 'c'] }) scopes: string[]) {
        return { scopes };
      }
    }
    const base = await listen(new App({ logger: false }).include(Api));
    // Each scope once, the outer Security's first.
    expect(await call(`${base}/`)).toMatchObject({ status: 200, body: { scopes: ['a', 'c', 'b'] } });
  });

  it('solves a dependency once per request and set of scopes; one that reads no scopes once', async () => {
    const calls = { scoped: 0, plain: 0 };
    const scoped = dependency([SecurityScopes], (s) => (calls.scoped++, s.scopes));
    const plain = dependency([], () => ++calls.plain);
    const viaA = dependency([Security(scoped, { scopes: ['a'] }), Security(plain, { scopes: ['a'] })], (s) => s);
    const viaB = dependency([Security(scoped, { scopes: ['b'] }), Security(plain, { scopes: ['b'] })], (s) => s);
    const viaBA = dependency([Security(scoped, { scopes: ['b', 'a'] })], (s) => s);
    const viaAB = dependency([Security(scoped, { scopes: ['a', 'b'] })], (s) => s);

    @Controller()
    class Api {
      @Get('/')
      get(
        @Depends(viaA) a: string[],
        @Depends(viaB) b: string[],
        @Depends(viaBA) ba: string[],
        @Depends(viaAB) ab: string[],
        @Depends(scoped) none: string[],
      ) {
        return { a, b, ba, ab, none };
      }
    }
    const base = await listen(new App({ logger: false }).include(Api));
    // FastAPI's key is the sorted set: ['a','b'] reuses the value computed for ['b','a'].
    expect(await call(`${base}/`)).toMatchObject({ status: 200, body: { a: ['a'], b: ['b'], ba: ['b', 'a'], ab: ['b', 'a'], none: [] } });
    expect(calls).toEqual({ scoped: 4, plain: 1 });
  });

  it('lets dependencyOverrides replace the scheme or the dependency reading the scopes', async () => {
    const a = new App({ logger: false }).include(Tutorial);
    a.dependencyOverrides.set(oauth2Scheme, () => 'all');
    const base = await listen(a);
    expect(await call(`${base}/users/me/items`)).toMatchObject({ status: 200, body: { username: 'ada', required: ['items', 'me'] } });
    a.dependencyOverrides.set(getCurrentUser, dependency([SecurityScopes], (s) => ({ username: 'test', required: s.scopes })));
    expect(await call(`${base}/users/me/items`)).toMatchObject({ status: 200, body: { username: 'test', required: ['items', 'me'] } });
    a.dependencyOverrides.clear();
    expect(await call(`${base}/users/me/items`)).toMatchObject({ status: 401 });
  });
});
