import { IsArray, IsInt, IsNumber, IsOptional, IsString } from 'class-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, Body, Controller, Form, Get, Header, Int, Path, Post, Query } from '@fastts/core';

// A JSON body holds lists as lists: a string where a list is declared is
// pydantic's `list_type`, while query, header and form lists (repeated keys)
// still take one value. A non-finite number (JSON `1e999`) is refused where
// class-validator or pydantic would refuse it.

class Tagged {
  @IsArray()
  @IsString({ each: true })
  tags!: string[];
}

class TagFilter {
  @IsOptional()
  @IsString({ each: true })
  tags?: string[];
}

class Priced {
  @IsNumber()
  price!: number;
}

class Unbounded {
  @IsNumber({ allowInfinity: true })
  price!: number;
}

class Counted {
  @IsInt()
  count!: number;
}

class Numbers {
  @IsNumber({}, { each: true })
  values!: number[];
}

@Controller()
class Lists {
  @Post('/tags')
  tags(@Body() body: Tagged) {
    return body;
  }

  @Post('/ids')
  ids(@Body('ids', { type: [Int], embed: true }) ids: number[]) {
    return { ids };
  }

  @Get('/query')
  query(@Query('tag', { type: [String] }) tag: string[]) {
    return { tag };
  }

  @Get('/group')
  group(@Query() filter: TagFilter) {
    return filter;
  }

  @Get('/header')
  header(@Header('x-tag', { type: [String] }) tag: string[]) {
    return { tag };
  }

  @Post('/form')
  form(@Form('tag', { type: [String] }) tag: string[]) {
    return { tag };
  }

  @Post('/price')
  price(@Body() body: Priced) {
    return body;
  }

  @Get('/price')
  queryPrice(@Query() body: Priced) {
    return body;
  }

  @Post('/unbounded')
  unbounded(@Body() body: Unbounded) {
    return { finite: Number.isFinite(body.price) };
  }

  @Post('/count')
  count(@Body() body: Counted) {
    return body;
  }

  @Post('/numbers')
  numbers(@Body() body: Numbers) {
    return body;
  }

  @Post('/int')
  int(@Body('n', { type: Int, embed: true }) n: number) {
    return { n };
  }

  @Get('/items/{id}')
  item(@Path('id', { type: Int }) id: number, @Query('page', { type: Int, optional: true }) page?: number) {
    return { id, page };
  }
}

let app: App;
let base: string;
beforeAll(async () => {
  app = new App({ logger: false }).include(Lists);
  const { port } = await app.listen(0);
  base = `http://127.0.0.1:${port}`;
});
afterAll(() => app.close({ timeoutMs: 1000 }));

async function call(path: string, body?: string, headers: Record<string, string> = {}) {
  const init: RequestInit = body === undefined ? { headers } : { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } };
  const res = await fetch(`${base}${path}`, init);
  return { status: res.status, body: (await res.json()) as unknown };
}

const listType = (loc: (string | number)[], input: unknown) => ({ detail: [{ type: 'list_type', loc, msg: 'Input should be a valid list', input }] });
// The 422's `input` is the JSON of the value read: an infinity is written as null.
const finite = (loc: (string | number)[], input: unknown = null) => ({ detail: [{ type: 'finite_number', loc, msg: 'Input should be a finite number', input }] });

describe('a JSON string where a list is declared', () => {
  it('is list_type in a body model', async () => {
    expect(await call('/tags', '{"tags":"abc"}')).toEqual({ status: 422, body: listType(['body', 'tags'], 'abc') });
  });

  it('is list_type in an embedded body parameter', async () => {
    expect(await call('/ids', '{"ids":"1"}')).toEqual({ status: 422, body: listType(['body', 'ids'], '1') });
  });

  it('a JSON list still passes', async () => {
    expect(await call('/tags', '{"tags":["a","b"]}')).toEqual({ status: 200, body: { tags: ['a', 'b'] } });
  });
});

describe('query, header and form lists take one value as a list of one', () => {
  it('query', async () => {
    expect(await call('/query?tag=a')).toEqual({ status: 200, body: { tag: ['a'] } });
    expect(await call('/query?tag=a&tag=b')).toEqual({ status: 200, body: { tag: ['a', 'b'] } });
  });

  it('a query model', async () => {
    expect(await call('/group?tags=a')).toEqual({ status: 200, body: { tags: ['a'] } });
  });

  it('header', async () => {
    expect(await call('/header', undefined, { 'x-tag': 'a' })).toEqual({ status: 200, body: { tag: ['a'] } });
  });

  it('form', async () => {
    const res = await fetch(`${base}/form`, { method: 'POST', body: new URLSearchParams({ tag: 'a' }) });
    expect(await res.json()).toEqual({ tag: ['a'] });
  });
});

describe('non-finite numbers', () => {
  it('@IsNumber() refuses 1e999 and -1e999 (finite_number)', async () => {
    expect(await call('/price', '{"price":1e999}')).toEqual({ status: 422, body: finite(['body', 'price']) });
    expect(await call('/price', '{"price":-1e999}')).toEqual({ status: 422, body: finite(['body', 'price']) });
    expect(await call('/price', '{"price":1.5}')).toEqual({ status: 200, body: { price: 1.5 } });
  });

  it('@IsNumber() refuses inf and nan in a query model', async () => {
    // Constraint issues carry the converted value (Infinity, written as null), not the text.
    expect(await call('/price?price=inf')).toEqual({ status: 422, body: finite(['query', 'price']) });
    expect((await call('/price?price=nan')).body).toMatchObject({ detail: [{ type: 'finite_number', loc: ['query', 'price'] }] });
  });

  it('@IsNumber({ allowInfinity: true }) takes it', async () => {
    expect(await call('/unbounded', '{"price":1e999}')).toEqual({ status: 200, body: { finite: false } });
  });

  it('@IsNumber({}, { each: true }) refuses it in a list', async () => {
    expect(await call('/numbers', '{"values":[1,1e999]}')).toEqual({ status: 422, body: finite(['body', 'values'], [1, null]) });
  });

  it('@IsInt() and an Int body parameter refuse it as pydantic does (finite_number)', async () => {
    expect(await call('/count', '{"count":1e999}')).toEqual({ status: 422, body: finite(['body', 'count']) });
    expect(await call('/int', '{"n":-1e999}')).toEqual({ status: 422, body: finite(['body', 'n']) });
  });

  it('Int path and query parameters refuse 1e999 as int_parsing', async () => {
    const parsing = (loc: string[]) => ({ type: 'int_parsing', loc, msg: 'Input should be a valid integer, unable to parse string as an integer', input: '1e999' });
    expect(await call('/items/1e999?page=1e999')).toEqual({ status: 422, body: { detail: [parsing(['path', 'id']), parsing(['query', 'page'])] } });
  });
});
