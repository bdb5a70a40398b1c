import { describe, expect, it } from 'vitest';
import { App, Controller, Delete, Get, Head, Path, PlainTextResponse, Post, Route } from '@fastts/core';
import { TestClient } from '@fastts/testing';

@Controller('/items')
class Items {
  @Get()
  list() {
    return ['a'];
  }

  @Get('/{item_id}')
  read(@Path('item_id') id: string) {
    return { id };
  }

  @Delete('/{item_id}')
  remove(@Path('item_id') id: string) {
    return { deleted: id };
  }

  @Head('/probe')
  probe() {
    return null;
  }

  @Route(['PUT', 'PATCH'], '/{item_id}/both')
  both(@Path('item_id') id: string) {
    return { both: id };
  }
}

@Controller('/r')
class Slashes {
  @Get('/c')
  c() {
    return 'c';
  }

  @Post('/d/')
  d() {
    return 'd';
  }
}

const client = new TestClient(new App({ logger: false }).include(Items).include(Slashes));

describe('routing', () => {
  it('serves templates under the controller prefix', async () => {
    expect((await client.get('/items')).json()).toEqual(['a']);
    expect((await client.get('/items/42')).json()).toEqual({ id: '42' });
    expect((await client.put('/items/1/both')).json()).toEqual({ both: '1' });
    expect((await client.patch('/items/1/both')).json()).toEqual({ both: '1' });
  });

  it('answers 404 with FastAPI\'s body', async () => {
    const res = await client.get('/nope');
    expect(res.status).toBe(404);
    expect(res.text).toBe('{"detail":"Not Found"}');
    expect(res.headers['content-type']).toBe('application/json');
  });

  it('answers 405 with the methods the path accepts', async () => {
    const res = await client.post('/items/1');
    expect(res.status).toBe(405);
    expect(res.json()).toEqual({ detail: 'Method Not Allowed' });
    expect(res.headers['allow']).toBe('GET, HEAD, DELETE');
  });

  it('answers HEAD on GET routes and on explicit HEAD routes, without a body', async () => {
    const res = await client.head('/items/9');
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(res.headers['content-length']).toBe(String('{"id":"9"}'.length));
    expect((await client.head('/items/probe')).status).toBe(200);
    expect((await client.get('/items/probe')).json()).toEqual({ id: 'probe' });
  });

  it('lets an explicit HEAD route declared first answer HEAD', async () => {
    @Controller()
    class Probes {
      @Head('/probe')
      probe() {
        return new PlainTextResponse('', { headers: { 'x-from': 'head' } });
      }

      @Get('/probe')
      get() {
        return new PlainTextResponse('body', { headers: { 'x-from': 'get' } });
      }
    }
    const probes = new TestClient(new App({ logger: false }).include(Probes));
    expect((await probes.head('/probe')).headers['x-from']).toBe('head');
    expect((await probes.get('/probe')).headers['x-from']).toBe('get');
  });

  it('redirects to the path with or without the trailing slash, with 307', async () => {
    const res = await client.get('/r/c/?x=1', { headers: { host: 'testserver' } });
    expect(res.status).toBe(307);
    expect(res.headers['location']).toBe('/r/c?x=1');
    const back = await client.post('/r/d', { headers: { host: 'testserver' } });
    expect(back.status).toBe(307);
    expect(back.headers['location']).toBe('/r/d/');
  });

  it('does not redirect when the redirect is switched off', async () => {
    const strict = new TestClient(new App({ logger: false, redirectSlashes: false }).include(Slashes));
    expect((await strict.get('/r/c/')).status).toBe(404);
  });
});
