import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { App, BackgroundTasks, Controller, Get, Request } from '@fastts/core';
import { memoryLogger } from './helpers.js';

// app.mount over real sockets: a fastts app and a plain node:http handler
// get the request with the mount's path stripped; 404s under a mount are the
// mounted app's; the root path a mounted app learns; start and close.

const apps: App[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close({ timeoutMs: 2000 })));
});

async function serveApp(app: App): Promise<string> {
  apps.push(app);
  const { port } = await app.listen(0);
  return `http://127.0.0.1:${port}`;
}

@Controller()
class Main {
  @Get('/hello')
  hello() {
    return { from: 'main' };
  }
}

@Controller()
class Admin {
  @Get('/users/{id}')
  user(request: Request) {
    return { from: 'admin', path: request.path, id: request.pathParams['id'], q: request.query['q'] };
  }

  @Get('/')
  home(request: Request) {
    return { from: 'admin', path: request.path, rootPath: request.app.rootPath };
  }
}

/** Any node:http handler: answers with the URL it was given. */
function echoUrl(req: IncomingMessage & { originalUrl?: string }, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: req.url, originalUrl: req.originalUrl }));
}

// A fastts app under /admin, a plain node:http handler under /legacy.
const admin = new App({ logger: false }).include(Admin);
const main = new App({ logger: false }).include(Main).mount('/admin', admin).mount('/legacy', echoUrl);

describe('app.mount', () => {
  it('sends requests under the path to a mounted fastts app, with the prefix stripped', async () => {
    const base = await serveApp(main);
    const res = await fetch(`${base}/admin/users/7?q=x`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ from: 'admin', path: '/users/7', id: '7', q: 'x' });
    // The mount's own path is the mounted app's `/`; the app knows where it is mounted.
    expect(await (await fetch(`${base}/admin`)).json()).toEqual({ from: 'admin', path: '/', rootPath: '/admin' });
    expect(await (await fetch(`${base}/hello`)).json()).toEqual({ from: 'main' });
  });

  it('answers 404 under a mount from the mounted app, and leaves paths that only share a prefix to the parent', async () => {
    const base = await serveApp(main);
    const missing = await fetch(`${base}/admin/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ detail: 'Not Found' });
    // The parent's route, not the mounted app's: `/hello` is not a route of `admin`.
    expect((await fetch(`${base}/admin/hello`)).status).toBe(404);
    // `/administrator` is not under `/admin`.
    expect((await fetch(`${base}/administrator`)).status).toBe(404);
  });

  it('sends requests to a plain node:http handler with the prefix stripped and the original URL kept', async () => {
    const base = await serveApp(main);
    expect(await (await fetch(`${base}/legacy/a/b?c=1`)).json()).toEqual({ url: '/a/b?c=1', originalUrl: '/legacy/a/b?c=1' });
    expect(await (await fetch(`${base}/legacy?c=1`)).json()).toEqual({ url: '/?c=1', originalUrl: '/legacy?c=1' });
  });

  it('answers 500 when a mounted handler throws, and keeps serving', async () => {
    const logger = memoryLogger();
    const app = new App({ logger })
      .mount('/sync', () => {
        throw new Error('boom');
      })
      .mount('/async', async () => {
        throw new Error('later');
      });
    const base = await serveApp(app);
    expect((await fetch(`${base}/sync/x`)).status).toBe(500);
    expect((await fetch(`${base}/async/x`)).status).toBe(500);
    expect(logger.entries.filter((e) => e.msg === 'mounted handler failed').map((e) => e.obj['mount'])).toEqual(['/sync', '/async']);
  });

  it('starts a mounted app with its parent and drains its background tasks on close', async () => {
    const events: string[] = [];
    @Controller()
    class Work {
      @Get('/work')
      work(tasks: BackgroundTasks) {
        tasks.addTask(async () => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          events.push('task');
        });
        return 'ok';
      }
    }
    const child = new App({ logger: false, lifespan: async function* () {
      events.push('child start');
      yield;
      events.push('child stop');
    } }).include(Work);
    const parent = new App({ logger: false }).mount('/child', child);
    const { port } = await parent.listen(0);
    expect(events).toEqual(['child start']);
    expect(await (await fetch(`http://127.0.0.1:${port}/child/work`)).json()).toBe('ok');
    await parent.close({ timeoutMs: 5000 });
    expect(events).toEqual(['child start', 'task', 'child stop']);
  });

  it('warns of a parent route a mount hides, and refuses a mount at / or in itself', () => {
    const logger = memoryLogger();
    @Controller('/admin')
    class Hidden {
      @Get('/x')
      x() {
        return 'never';
      }
    }
    new App({ logger }).include(Hidden).mount('/admin', echoUrl).compile();
    expect(logger.entries.find((e) => e.level === 'warn')?.obj).toEqual({ route: 'Hidden.x', path: '/admin/x', mount: '/admin' });
    expect(() => new App({ logger: false }).mount('/', echoUrl)).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_ROUTE_TEMPLATE' }));
    const self = new App({ logger: false });
    expect(() => self.mount('/me', self)).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_ROUTE_TEMPLATE' }));
  });

  it('gives an app its rootPath option, and a mounted app its parent\'s root path before the mount path', () => {
    const child = new App({ logger: false });
    const parent = new App({ logger: false, rootPath: '/proxy/' }).mount('/v2/', child);
    expect(parent.rootPath).toBe('/proxy');
    expect(child.rootPath).toBe('/proxy/v2');
    expect(new App({ logger: false }).rootPath).toBe('');
  });
});
