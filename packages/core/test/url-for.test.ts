import { afterEach, describe, expect, it } from 'vitest';
import { APIRouter, App, Controller, FastTsError, Get, Path, Request, WebSocket, WebSocketRoute, type AppOptions } from '@fastts/core';
import { LiveTestClient } from '@fastts/testing';

// Reverse routing over real sockets: app.urlPathFor(name, params) and
// request.urlFor(name, params), as Starlette's url_path_for and url_for. Each
// path built is also requested, so the router shows it reaches the route with
// the same values.

let clients: LiveTestClient[] = [];
afterEach(async () => {
  await Promise.all(clients.map((client) => client.close()));
  clients = [];
});

async function start(app: App, options: { raiseServerExceptions?: boolean } = {}): Promise<LiveTestClient> {
  const client = await LiveTestClient.start(app, options);
  clients.push(client);
  return client;
}

@Controller('/items')
class Items {
  @Get('/{item_id}')
  readItem(@Path('item_id') itemId: string) {
    return { item_id: itemId };
  }

  @Get('/{item_id}/link', { name: 'item-link' })
  link(request: Request, @Path('item_id') itemId: string) {
    return { url: request.urlFor('readItem', { item_id: itemId }) };
  }
}

@Controller()
class Files {
  @Get('/files/{file_path:path}')
  readFile(@Path('file_path') filePath: string) {
    return { file_path: filePath };
  }

  @Get('/photos/{name}.{ext}')
  photo(@Path('name') name: string, @Path('ext') ext: string) {
    return { name, ext };
  }
}

@Controller()
class Links {
  /** Answers the URL of the route named in `?name=`, with the other query parameters as its path parameters. */
  @Get('/url-for')
  urlFor(request: Request) {
    const { name, ...params } = request.query as Record<string, string>;
    return { url: request.urlFor(name!, params) };
  }
}

describe('route names', () => {
  it("names a route after its method, or its `name` option, and builds the path from the template", async () => {
    const app = new App({ logger: false }).include(Items);
    expect(app.urlPathFor('readItem', { item_id: 42 })).toBe('/items/42');
    expect(app.urlPathFor('item-link', { item_id: 'a' })).toBe('/items/a/link');
    // The explicit name replaces the method's.
    expect(() => app.urlPathFor('link', { item_id: 'a' })).toThrow(/no route named 'link'/);
    const client = await start(app);
    expect((await client.get(app.urlPathFor('readItem', { item_id: 42 }))).json()).toEqual({ item_id: '42' });
    expect((await client.get('/items/7/link')).json()).toEqual({ url: `${client.url}/items/7` });
  });

  it('percent-encodes each value as one segment, keeps the slashes of a {name:path} value, and the router reads them back', async () => {
    const app = new App({ logger: false }).include(Items).include(Files);
    const client = await start(app);
    const cases: [string, Record<string, string>, string][] = [
      ['readItem', { item_id: 'a b/c?d#e%f' }, '/items/a%20b%2Fc%3Fd%23e%25f'],
      ['readItem', { item_id: 'é€' }, '/items/%C3%A9%E2%82%AC'],
      // RFC 3986 allows these in a segment; they stay as they are.
      ['readItem', { item_id: "a@b:c+d,e;f=g$h&i!j'k(l)m*n~o" }, "/items/a@b:c+d,e;f=g$h&i!j'k(l)m*n~o"],
      // A whole segment of dots would be resolved away by the client: escaped.
      ['readItem', { item_id: '..' }, '/items/%2E%2E'],
      ['readFile', { file_path: 'docs/a b/c.txt' }, '/files/docs/a%20b/c.txt'],
      ['readFile', { file_path: 'x/../y' }, '/files/x/%2E%2E/y'],
      ['photo', { name: 'a b', ext: 'png' }, '/photos/a%20b.png'],
    ];
    for (const [name, params, path] of cases) {
      expect(app.urlPathFor(name, params)).toBe(path);
      expect((await client.get(path)).json()).toEqual(name === 'readItem' ? { item_id: params['item_id'] } : params);
    }
  });

  it('takes the first route registered with a name whose parameters are the ones given, as Starlette does', () => {
    @Controller('/v1')
    class V1 {
      @Get('/things/{id}', { name: 'thing' })
      one() {}
      @Get('/things', { name: 'thing' })
      all() {}
    }
    @Controller('/v2')
    class V2 {
      @Get('/things/{id}', { name: 'thing' })
      one() {}
    }
    const app = new App({ logger: false }).include(V1).include(V2);
    expect(app.urlPathFor('thing', { id: 1 })).toBe('/v1/things/1');
    expect(app.urlPathFor('thing')).toBe('/v1/things');
  });

  it('puts the prefixes of APIRouters and includes before the path', async () => {
    const inner = new APIRouter({ prefix: '/v1' }).include(Items);
    const app = new App({ logger: false }).include(new APIRouter().include(inner), { prefix: '/api' });
    expect(app.urlPathFor('readItem', { item_id: 5 })).toBe('/api/v1/items/5');
    const client = await start(app);
    expect((await client.get('/api/v1/items/5/link')).json()).toEqual({ url: `${client.url}/api/v1/items/5` });
  });
});

describe('request.urlFor', () => {
  it('takes the scheme and host from a trusted proxy, and ignores them from anyone else', async () => {
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' };
    const trusted = await start(new App({ logger: false, trustProxy: 'loopback' }).include(Items));
    expect((await trusted.get('/items/1/link', { headers: forwarded })).json()).toEqual({ url: 'https://api.example.com/items/1' });
    const untrusted = await start(new App({ logger: false }).include(Items));
    expect((await untrusted.get('/items/1/link', { headers: forwarded })).json()).toEqual({ url: `${untrusted.url}/items/1` });
  });

  it("puts the app's root path before the path; urlPathFor leaves it out", async () => {
    const app = new App({ logger: false, rootPath: '/behind/proxy' }).include(Items);
    expect(app.urlPathFor('readItem', { item_id: 1 })).toBe('/items/1');
    const client = await start(app, {});
    expect((await client.get('/items/1/link')).json()).toEqual({ url: `${client.url}/behind/proxy/items/1` });
  });

  it('answers 500 from a handler for an unknown name, a missing or an extra parameter', async () => {
    const client = await start(new App({ logger: false }).include(Items).include(Links), { raiseServerExceptions: false });
    expect((await client.get('/url-for?name=readItem&item_id=3')).json()).toEqual({ url: `${client.url}/items/3` });
    for (const query of ['name=nope', 'name=readItem', 'name=readItem&item_id=3&extra=1']) {
      const res = await client.get(`/url-for?${query}`);
      expect(res.status).toBe(500);
    }
  });
});

describe('unknown names and parameters', () => {
  const app = new App({ logger: false }).include(Items).include(Files);

  it('throws FASTTS_ERR_NO_ROUTE_MATCH saying what the routes of that name take', () => {
    const thrown = (name: string, params: Record<string, string> = {}) => {
      try {
        app.urlPathFor(name, params);
      } catch (err) {
        return err as FastTsError;
      }
      throw new Error('urlPathFor did not throw');
    };
    const unknown = thrown('nope');
    expect(unknown).toBeInstanceOf(FastTsError);
    expect(unknown.code).toBe('FASTTS_ERR_NO_ROUTE_MATCH');
    expect(unknown.message).toBe("no route named 'nope' takes the path parameters {}: no route or mount has that name");
    expect(thrown('readItem').message).toBe("no route named 'readItem' takes the path parameters {}: Items.readItem (/items/{item_id}) takes {item_id}");
    expect(thrown('readItem', { item_id: '1', q: 'x' }).message).toContain('{item_id, q}: Items.readItem (/items/{item_id}) takes {item_id}');
    expect(thrown('readItem', { itemId: '1' }).code).toBe('FASTTS_ERR_NO_ROUTE_MATCH');
    // A parameter takes one character at least; a {name:path} one may be empty.
    expect(thrown('readItem', { item_id: '' }).message).toContain("takes {item_id}, and 'item_id' is empty");
    expect(app.urlPathFor('readFile', { file_path: '' })).toBe('/files/');
  });
});

describe('WebSocket routes', () => {
  @Controller('/ws')
  class Rooms {
    @WebSocketRoute('/rooms/{room}')
    async join(ws: WebSocket, @Path('room') room: string) {
      await ws.accept();
      await ws.sendJson({ self: ws.urlFor('join', { room }), item: ws.urlFor('readItem', { item_id: room }), named: ws.urlFor('lobby') });
      await ws.close();
    }

    @WebSocketRoute('/lobby', { name: 'lobby' })
    async enter(ws: WebSocket) {
      await ws.close();
    }
  }

  it('are named as HTTP routes; urlFor gives them a ws: URL, and HTTP routes an http: one', async () => {
    const app = new App({ logger: false }).include(Rooms).include(Items);
    expect(app.urlPathFor('join', { room: 'a b' })).toBe('/ws/rooms/a%20b');
    expect(app.urlPathFor('lobby')).toBe('/ws/lobby');
    const client = await start(app);
    const ws = await client.websocket('/ws/rooms/r1');
    const host = client.url.slice('http://'.length);
    expect(await ws.receiveJson()).toEqual({ self: `ws://${host}/ws/rooms/r1`, item: `http://${host}/items/r1`, named: `ws://${host}/ws/lobby` });
  });

  it('get wss: behind a trusted proxy that says https', async () => {
    const client = await start(new App({ logger: false, trustProxy: true }).include(Rooms).include(Items));
    const ws = await client.websocket('/ws/rooms/r1', { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'chat.example.com' } });
    expect((await ws.receiveJson()).self).toBe('wss://chat.example.com/ws/rooms/r1');
  });
});

describe('under a mount', () => {
  @Controller()
  class Admin {
    @Get('/users/{id}')
    user(@Path('id') id: string) {
      return { id };
    }

    @Get('/links/{id}')
    links(request: Request, @Path('id') id: string) {
      // Starlette looks names up in the outermost app: the mounted app's own routes are '<mount name>:<route>'.
      return { user: request.urlFor('admin:user', { id }), home: request.urlFor('readItem', { item_id: id }) };
    }
  }

  function apps(options: AppOptions = {}) {
    const admin = new App({ logger: false }).include(Admin);
    const legacy = new App({ logger: false }).include(Files);
    const main = new App({ logger: false, ...options }).include(Items).mount('/admin', admin, { name: 'admin' }).mount('/legacy', legacy);
    return { main, admin };
  }

  it("looks up '<mount name>:<route>' in a named mount, and every name in a mount without one", async () => {
    const { main, admin } = apps();
    expect(main.urlPathFor('admin:user', { id: 7 })).toBe('/admin/users/7');
    // A mounted app's own paths start at its `/`, as Starlette's sub-app url_path_for.
    expect(admin.urlPathFor('user', { id: 7 })).toBe('/users/7');
    expect(() => main.urlPathFor('user', { id: 7 })).toThrow(/no route or mount has that name/);
    expect(main.urlPathFor('readFile', { file_path: 'a/b' })).toBe('/legacy/files/a/b');
    // A named mount answers its own name with `path`, whatever is mounted there.
    expect(main.urlPathFor('admin', { path: '/users/7' })).toBe('/admin/users/7');
    expect(() => main.urlPathFor('admin:user', {})).toThrow("no route named 'admin:user' takes the path parameters {}: Admin.user (/admin/users/{id}) takes {id}");
    const client = await start(main);
    expect((await client.get(main.urlPathFor('admin:user', { id: 'x y' }))).json()).toEqual({ id: 'x y' });
  });

  it("gives absolute URLs from a mounted app's handler, with the outermost app's root path and a trusted proxy's host", async () => {
    const { main } = apps({ rootPath: '/proxy', trustProxy: 'loopback' });
    const client = await start(main);
    const res = await client.get('/admin/links/9', { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'example.org' } });
    expect(res.json()).toEqual({ user: 'https://example.org/proxy/admin/users/9', home: 'https://example.org/proxy/items/9' });
  });
});
