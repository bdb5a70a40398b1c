import { IsInt, IsString } from 'class-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  App,
  Body,
  Controller,
  Cookie,
  Depends,
  Get,
  HTTPException,
  Header,
  Int,
  JSONResponse,
  Path,
  PlainTextResponse,
  Post,
  Query,
  RedirectResponse,
  Response,
} from '@fastts/core';
import { LiveTestClient } from '@fastts/testing';

// ../shared/fastapi-spec.md §4, scenarios 33, 34 and 37-48, over a real socket.
// Where fastts differs on purpose, the test says so.

class Pager {
  constructor(
    @Query('skip', { type: Int, default: 0 }) readonly skip: number,
    @Query('limit', { type: Int, default: 10 }) readonly limit: number,
  ) {}
}

class Item {
  @IsString()
  name!: string;

  @IsInt()
  price!: number;
}

class UserOut {
  @IsString()
  name!: string;

  @IsInt()
  age!: number;
}

@Controller()
class Scenarios {
  @Get('/pager')
  pager(@Depends(Pager) pager: Pager) {
    return { skip: pager.skip, limit: pager.limit };
  }

  @Post('/v/{pid}')
  v(@Path('pid', { type: Int }) pid: number, @Query('q') q: string, @Header('h') h: string, @Cookie('k') k: string, @Body() item: Item) {
    return { pid, q, h, k, item };
  }

  @Get('/ok')
  ok() {
    return { ok: true };
  }

  @Get('/null')
  nothing() {
    return null;
  }

  @Post('/no-content', { statusCode: 204 })
  noContent() {
    return { a: 1 };
  }

  @Post('/temporary', { statusCode: 201 })
  temporary(response: Response) {
    response.setHeader('x-a', '1');
    response.setCookie('c', 'v');
    return { ok: true };
  }

  @Post('/temporary-ignored', { statusCode: 201 })
  temporaryIgnored(response: Response) {
    response.setHeader('x-a', '1');
    return new JSONResponse({ ok: true });
  }

  @Get('/user', { responseModel: UserOut })
  user() {
    return { name: 'ann', age: 3, password: 'secret' };
  }

  @Get('/user-broken', { responseModel: UserOut })
  userBroken() {
    return { name: 'ann', password: 'secret' };
  }

  @Get('/text')
  text() {
    return new PlainTextResponse('hi');
  }

  @Get('/redirect')
  redirect() {
    return new RedirectResponse('/a b');
  }

  @Get('/r/c')
  rc() {
    return 'c';
  }

  @Post('/json')
  json(@Body() item: Item) {
    return item;
  }

  @Get('/http-error')
  httpError() {
    throw new HTTPException(400, { code: 7 }, { 'x-e': '1' });
  }
}

let client: LiveTestClient;
beforeAll(async () => {
  client = await LiveTestClient.start(new App({ logger: false }).include(Scenarios), { raiseServerExceptions: false });
});
afterAll(() => client.close());

describe('FastAPI conformance scenarios over a real socket', () => {
  it('33: a class dependency reads its constructor parameters from the query', async () => {
    expect((await client.get('/pager?skip=5')).json()).toEqual({ skip: 5, limit: 10 });
    const bad = await client.get('/pager?limit=x');
    expect(bad.status).toBe(422);
    expect(bad.json().detail).toEqual([
      { type: 'int_parsing', loc: ['query', 'limit'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'x' },
    ]);
  });

  it('34: six errors from every source, in FastAPI\'s order', async () => {
    const res = await client.post('/v/abc', { json: { name: 1 } });
    expect(res.status).toBe(422);
    expect(res.json().detail).toEqual([
      { type: 'int_parsing', loc: ['path', 'pid'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'abc' },
      { type: 'missing', loc: ['query', 'q'], msg: 'Field required', input: null },
      { type: 'missing', loc: ['header', 'h'], msg: 'Field required', input: null },
      { type: 'missing', loc: ['cookie', 'k'], msg: 'Field required', input: null },
      { type: 'string_type', loc: ['body', 'name'], msg: 'Input should be a valid string', input: 1 },
      { type: 'missing', loc: ['body', 'price'], msg: 'Field required', input: { name: 1 } },
    ]);
  });

  it('37, 38: plain values are compact JSON; null is null', async () => {
    const ok = await client.get('/ok');
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('application/json');
    expect(ok.headers['content-length']).toBe('11');
    expect(ok.text).toBe('{"ok":true}');
    expect((await client.get('/null')).text).toBe('null');
  });

  it('39: 204 drops the body and content-length', async () => {
    const res = await client.post('/no-content');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(res.headers['content-length']).toBeUndefined();
  });

  it('40, 41: the temporary response sets status, headers and cookies, unless a Response is returned', async () => {
    const merged = await client.post('/temporary');
    expect(merged.status).toBe(201);
    expect(merged.headers['x-a']).toBe('1');
    expect(merged.headers['set-cookie']).toBe('c=v; Path=/; SameSite=lax');
    const ignored = await client.post('/temporary-ignored');
    expect(ignored.status).toBe(200);
    expect(ignored.headers['x-a']).toBeUndefined();
  });

  it('42: a response model filters out fields and turns bad output into a 500', async () => {
    expect((await client.get('/user')).json()).toEqual({ name: 'ann', age: 3 });
    const broken = await client.get('/user-broken');
    expect(broken.status).toBe(500);
    expect(broken.text).not.toContain('secret');
  });

  it('43: plain text gets a charset; a redirect is 307 with a quoted location and no body', async () => {
    expect((await client.get('/text')).headers['content-type']).toBe('text/plain; charset=utf-8');
    const redirect = await client.get('/redirect');
    expect(redirect.status).toBe(307);
    expect(redirect.headers['location']).toBe('/a%20b');
    expect(redirect.text).toBe('');
  });

  it('44: 404 and 405 bodies; Allow also names HEAD, which fastts answers on GET routes', async () => {
    const missing = await client.get('/missing');
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ detail: 'Not Found' });
    const wrong = await client.post('/ok');
    expect(wrong.status).toBe(405);
    expect(wrong.json()).toEqual({ detail: 'Method Not Allowed' });
    expect(wrong.headers['allow']).toBe('GET, HEAD');
  });

  it('45: a trailing slash redirects to the declared path, as a path (no Host header in it), with 307', async () => {
    const res = await client.get('/r/c/', { headers: { host: 'testserver' } });
    expect(res.status).toBe(307);
    expect(res.headers['location']).toBe('/r/c');
  });

  it('46: malformed JSON is json_invalid at the character position (ctx.error is V8\'s message, not Python\'s)', async () => {
    const res = await client.post('/json', { body: '{bad', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(422);
    const [issue] = res.json().detail;
    expect(issue).toMatchObject({ type: 'json_invalid', loc: ['body', 1], msg: 'JSON decode error', input: {} });
    expect(typeof issue.ctx.error).toBe('string');
  });

  it('47: a JSON body without a content type is not parsed', async () => {
    const res = await client.post('/json', { body: '{"name":"a","price":1}' });
    expect(res.status).toBe(422);
    expect(res.json().detail).toEqual([
      { type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: '{"name":"a","price":1}' },
    ]);
  });

  it('48: HTTPException carries any JSON detail and its headers', async () => {
    const res = await client.get('/http-error');
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ detail: { code: 7 } });
    expect(res.headers['x-e']).toBe('1');
  });
});
