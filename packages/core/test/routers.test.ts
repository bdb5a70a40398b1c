import { afterEach, describe, expect, it } from 'vitest';
import { APIRouter, App, Controller, Depends, Get, Header, HTTPException, Path, dependency } from '@fastts/core';

// APIRouter over real sockets: prefixes, tags, dependencies and extra
// responses merged from the outermost include inwards, nesting, snapshots.

const apps: App[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close({ timeoutMs: 2000 })));
});

async function serveApp(app: App): Promise<string> {
  apps.push(app);
  const { port } = await app.listen(0);
  return `http://127.0.0.1:${port}`;
}

/** Refuses a request without the right token: solved before every route of the router. */
const requireToken = dependency([Header('x-token')], (token: string) => {
  if (token !== 'secret') throw new HTTPException(403, 'Bad token');
});

@Controller('/users')
class UsersController {
  @Get('')
  list() {
    return [{ name: 'ada' }];
  }

  @Get('/{name}', { tags: ['profiles'], responses: { 404: { description: 'No such user' } } })
  read(@Path('name') name: string) {
    return { name };
  }
}

const users = new APIRouter({ tags: ['users'], dependencies: [Depends(requireToken)], responses: { 403: { description: 'Bad token' } } }).include(UsersController);
const v1 = new APIRouter({ prefix: '/v1' }).include(users);
const app = new App({ logger: false }).include(v1, { prefix: '/api' });
// GET /api/v1/users, GET /api/v1/users/{name}: both need `x-token: secret`

describe('APIRouter', () => {
  it('serves a nested router under the prefixes of every include, with its dependencies', async () => {
    const base = await serveApp(app);
    const ok = await fetch(`${base}/api/v1/users/ada`, { headers: { 'x-token': 'secret' } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ name: 'ada' });
    const refused = await fetch(`${base}/api/v1/users`, { headers: { 'x-token': 'wrong' } });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ detail: 'Bad token' });
    // The header is a parameter of the router's dependency: missing, it is a 422 like any other.
    expect((await fetch(`${base}/api/v1/users`)).status).toBe(422);
    // Without the include prefixes, nothing matches.
    expect((await fetch(`${base}/users`, { headers: { 'x-token': 'secret' } })).status).toBe(404);
  });

  it('merges tags and responses outermost first; a route keeps its own response for a status', () => {
    const read = app.routes.find((r) => r.label === 'UsersController.read')!;
    expect(read.path).toBe('/api/v1/users/{name}');
    expect(read.tags).toEqual(['users', 'profiles']);
    expect(read.options.responses).toEqual({ 403: { description: 'Bad token' }, 404: { description: 'No such user' } });

    @Controller('/ping', { tags: ['controller'] })
    class Ping {
      @Get('', { tags: ['route'], responses: { 418: { description: 'route wins' } } })
      ping() {
        return 'pong';
      }
    }
    const inner = new APIRouter({ prefix: '/inner', tags: ['inner'], responses: { 418: { description: 'inner' }, 500: { description: 'inner' } } }).include(Ping, {
      tags: ['into-inner'],
    });
    const outer = new APIRouter({ prefix: '/outer', tags: ['outer'], responses: { 500: { description: 'outer' }, 503: { description: 'outer' } } }).include(inner, {
      prefix: '/x',
      tags: ['into-outer'],
    });
    const merged = new App({ logger: false }).include(outer, { tags: ['app'] }).routes[0]!;
    expect(merged.path).toBe('/outer/x/inner/ping');
    expect(merged.tags).toEqual(['app', 'outer', 'into-outer', 'inner', 'into-inner', 'controller', 'route']);
    expect(merged.options.responses).toEqual({ 418: { description: 'route wins' }, 500: { description: 'inner' }, 503: { description: 'outer' } });
  });

  it('solves dependencies in order: app, each include and router from the outside in, controller, route', async () => {
    const order: string[] = [];
    const mark = (name: string) => Depends(dependency([], () => void order.push(name)));

    @Controller('/deps', { dependencies: [mark('controller')] })
    class Deps {
      @Get('', { dependencies: [mark('route')] })
      run() {
        return order.splice(0);
      }
    }
    const inner = new APIRouter({ dependencies: [mark('inner router')] }).include(Deps, { dependencies: [mark('include into inner')] });
    const outer = new APIRouter({ dependencies: [mark('outer router')] }).include(inner, { dependencies: [mark('include into outer')] });
    const base = await serveApp(new App({ logger: false, dependencies: [mark('app')] }).include(outer, { dependencies: [mark('app include')] }));
    const res = await fetch(`${base}/deps`);
    expect(await res.json()).toEqual(['app', 'app include', 'outer router', 'include into outer', 'inner router', 'include into inner', 'controller', 'route']);
  });

  it('registers what a router holds when it is included, as FastAPI copies its routes', () => {
    @Controller('/a')
    class A {
      @Get('')
      a() {
        return 'a';
      }
    }
    @Controller('/b')
    class B {
      @Get('')
      b() {
        return 'b';
      }
    }
    const router = new APIRouter({ prefix: '/r' }).include(A);
    const target = new App({ logger: false }).include(router);
    router.include(B);
    expect(target.routes.map((r) => r.path)).toEqual(['/r/a']);
    expect(new App({ logger: false }).include(router).routes.map((r) => r.path)).toEqual(['/r/a', '/r/b']);
  });

  it('refuses a class that is not a controller when it is added to a router', () => {
    class Plain {}
    expect(() => new APIRouter().include(Plain)).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_NOT_A_CONTROLLER' }));
  });
});
