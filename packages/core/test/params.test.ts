import { describe, expect, it } from 'vitest';
import { App, Body, Controller, Cookie, Depends, Get, Header, Int, Path, Post, Query, Request, Response, dependency } from '@fastts/core';
import { TestClient } from '@fastts/testing';

@Controller()
class Params {
  @Get('/query')
  query(
    @Query('n', { type: Int }) n: number,
    @Query('f') f: number,
    @Query('flag', { default: false }) flag: boolean,
    @Query('tags', { type: [String], default: [] }) tags: string[],
    @Query('q', { optional: true }) q?: string,
  ) {
    return { n, f, flag, tags, q: q ?? null };
  }

  @Get('/headers')
  headers(
    @Header('user_agent') ua: string,
    @Header('x-token', { type: [String] }) tokens: string[],
    @Cookie('session', { optional: true }) session?: string,
  ) {
    return { ua, tokens, session: session ?? null };
  }

  @Post('/body')
  body(@Body() body: Record<string, unknown>) {
    return body;
  }

  @Post('/embedded')
  embedded(@Body('item') item: object, @Body('importance', { type: Int }) importance: number) {
    return { item, importance };
  }

  @Post('/embed-one')
  embedOne(@Body('item', { embed: true }) item: object) {
    return { item };
  }

  @Get('/request')
  request(req: Request) {
    return { method: req.method, path: req.path, query: req.query['a'] ?? null, id: typeof req.id };
  }

  @Get('/temporary', { statusCode: 201 })
  temporary(res: Response) {
    res.setHeader('x-a', '1');
    res.setCookie('c', 'v');
    return { ok: true };
  }
}

const checker = dependency([Query('q')], (q) => q);

@Controller()
class Scenario34 {
  @Post('/v/{pid}')
  v(
    @Path('pid', { type: Int }) pid: number,
    @Depends(checker) q: string,
    @Header('h') h: string,
    @Cookie('k') k: string,
    @Body('name', { type: String }) name: string,
    @Body('price', { type: Number }) price: number,
  ) {
    return { pid, q, h, k, name, price };
  }
}

const client = new TestClient(new App({ logger: false }).include(Params).include(Scenario34));

describe('parameters', () => {
  it('converts query values by declared type, with defaults and lists', async () => {
    const res = await client.get('/query?n=3&f=1.5&flag=yes&tags=a&tags=b');
    expect(res.json()).toEqual({ n: 3, f: 1.5, flag: true, tags: ['a', 'b'], q: null });
    expect((await client.get('/query?n=3&f=2&q=x')).json()).toEqual({ n: 3, f: 2, flag: false, tags: [], q: 'x' });
  });

  it('collects every bad or missing value in one 422', async () => {
    const res = await client.get('/query?n=x&flag=maybe');
    expect(res.status).toBe(422);
    expect(res.json()).toEqual({
      detail: [
        { type: 'int_parsing', loc: ['query', 'n'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'x' },
        { type: 'missing', loc: ['query', 'f'], msg: 'Field required', input: null },
        { type: 'bool_parsing', loc: ['query', 'flag'], msg: 'Input should be a valid boolean, unable to interpret input', input: 'maybe' },
      ],
    });
  });

  it('reads headers case-insensitively, underscores as dashes, repeated headers as lists, and cookies', async () => {
    const res = await client.get('/headers', { headers: { 'User-Agent': 'tester', 'x-token': 'a', cookie: 'session=s1; other=2' } });
    expect(res.json()).toEqual({ ua: 'tester', tokens: ['a'], session: 's1' });
  });

  it('takes the whole JSON body for one body parameter, and keys several by name', async () => {
    expect((await client.post('/body', { json: { a: 1 } })).json()).toEqual({ a: 1 });
    expect((await client.post('/embedded', { json: { item: { x: 1 }, importance: 5 } })).json()).toEqual({ item: { x: 1 }, importance: 5 });
    expect((await client.post('/embed-one', { json: { item: { y: 2 } } })).json()).toEqual({ item: { y: 2 } });
    const missing = await client.post('/embedded', { json: { item: {} } });
    expect(missing.json().detail).toEqual([{ type: 'missing', loc: ['body', 'importance'], msg: 'Field required', input: { item: {} } }]);
  });

  it('answers malformed JSON with json_invalid at the character position', async () => {
    const res = await client.post('/body', { body: '{bad', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(422);
    const [issue] = res.json().detail;
    expect(issue).toMatchObject({ type: 'json_invalid', loc: ['body', 1], msg: 'JSON decode error', input: {} });
    expect(issue.ctx.error).toMatch(/position 1/);
  });

  it('does not parse a JSON body sent without a JSON content type (FastAPI\'s strict default)', async () => {
    const res = await client.post('/body', { body: '{"a":1}' });
    expect(res.status).toBe(422);
    expect(res.json().detail[0]).toMatchObject({ type: 'model_attributes_type', loc: ['body'] });
  });

  it('requires a body when a body parameter is declared', async () => {
    const res = await client.post('/body');
    expect(res.json().detail).toEqual([{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]);
  });

  it('injects Request by type', async () => {
    expect((await client.get('/request?a=1')).json()).toEqual({ method: 'GET', path: '/request', query: '1', id: 'string' });
  });

  it('merges the temporary Response\'s status, headers and cookies into the generated one', async () => {
    const res = await client.get('/temporary');
    expect(res.status).toBe(201);
    expect(res.headers['x-a']).toBe('1');
    expect(res.headers['set-cookie']).toBe('c=v; Path=/; SameSite=lax');
  });

  it('reports errors in FastAPI\'s order: dependencies, path, query, header, cookie, body (scenario 34)', async () => {
    const res = await client.post('/v/abc', { json: { name: 1 } });
    expect(res.status).toBe(422);
    expect(res.json().detail.map((d: { type: string; loc: unknown[] }) => [d.type, ...d.loc])).toEqual([
      ['missing', 'query', 'q'],
      ['int_parsing', 'path', 'pid'],
      ['missing', 'header', 'h'],
      ['missing', 'cookie', 'k'],
      ['string_type', 'body', 'name'],
      ['missing', 'body', 'price'],
    ]);
    expect(res.json().detail[5].input).toEqual({ name: 1 });
  });
});
