import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { IsString } from 'class-validator';
import { App, Body, Controller, Cookie, File, Form, Get, Header, Int, Path, Post, Query, UploadFile, dependency } from '@fastts/core';
import { LiveTestClient } from '@fastts/testing';
import { constrainedConverter } from '../src/validation/param-constraints.js';
import { int, string } from '../src/validation/scalars.js';

// Constraints on named parameters (issue 18, item 4), checked over a real
// socket against the 422 entries FastAPI answers with: pydantic's error type,
// message and ctx, the raw input, every failing parameter reported.

enum Color {
  Red = 'red',
  Green = 'green',
  Blue = 'blue',
}

enum Level {
  Low = 1,
  High = 2,
}

@Controller()
class Constrained {
  @Get('/gt')
  gt(@Query('v', { type: Int, gt: 0 }) v: number) {
    return { v };
  }

  @Get('/ge')
  ge(@Query('v', { type: Int, ge: 1 }) v: number) {
    return { v };
  }

  @Get('/lt')
  lt(@Query('v', { lt: 1.5 }) v: number) {
    return { v };
  }

  @Get('/le')
  le(@Query('v', { type: Int, le: 100 }) v: number) {
    return { v };
  }

  @Get('/multiple-int')
  multipleInt(@Query('v', { type: Int, multipleOf: 5 }) v: number) {
    return { v };
  }

  @Get('/multiple-float')
  multipleFloat(@Query('v', { multipleOf: 0.1 }) v: number) {
    return { v };
  }

  @Get('/min-length')
  minLength(@Query('v', { minLength: 3 }) v: string) {
    return { v };
  }

  @Get('/min-length-one')
  minLengthOne(@Query('v', { minLength: 1 }) v: string) {
    return { v };
  }

  @Get('/max-length/{v}')
  maxLength(@Path('v', { maxLength: 2 }) v: string) {
    return { v };
  }

  @Get('/max-length-one')
  maxLengthOne(@Query('v', { maxLength: 1 }) v: string) {
    return { v };
  }

  @Get('/pattern')
  pattern(@Query('v', { pattern: '^[a-z]+$' }) v: string) {
    return { v };
  }

  @Get('/search')
  search(@Query('v', { pattern: 'ab' }) v: string) {
    return { v };
  }

  @Get('/regexp')
  regexp(@Query('v', { pattern: /^\d{3}$/ }) v: string) {
    return { v };
  }

  @Get('/color')
  color(@Query('v', { enum: Color }) v: Color) {
    return { v };
  }

  @Get('/level')
  level(@Query('v', { enum: Level }) v: Level) {
    return { v };
  }

  @Get('/order')
  order(@Query('v', { enum: ['asc', 'desc'] }) v: 'asc' | 'desc') {
    return { v };
  }

  @Get('/header')
  header(@Header('x_count', { type: Int, ge: 1 }) v: number) {
    return { v };
  }

  @Get('/cookie')
  cookie(@Cookie('sid', { minLength: 8 }) v: string) {
    return { v };
  }

  @Post('/form')
  form(@Form('name', { maxLength: 3 }) v: string) {
    return { v };
  }

  @Post('/body')
  body(@Body('ids', { type: [Int], minItems: 1 }) ids: number[], @Body('rank', { type: Int, gt: 0 }) rank: number) {
    return { ids, rank };
  }

  @Get('/ids')
  ids(@Query('ids', { type: [Int], ge: 1, minItems: 2, maxItems: 3 }) ids: number[]) {
    return { ids };
  }

  @Get('/tags')
  tags(@Query('tag', { type: [String], enum: Color, maxLength: 5 }) tags: Color[]) {
    return { tags };
  }

  @Get('/all/{id}')
  all(
    @Path('id', { type: Int, ge: 1 }) id: number,
    @Query('q', { minLength: 3 }) q: string,
    @Query('sort', { enum: ['asc', 'desc'] }) sort: string,
    @Header('x-count', { type: Int, le: 10 }) count: number,
    @Cookie('sid', { pattern: '^s-' }) sid: string,
  ) {
    return { id, q, sort, count, sid };
  }

  @Get('/page')
  page(@Query('limit', { type: Int, default: 50, ge: 1, le: 100 }) limit: number, @Query('offset', { type: Int, default: -1, ge: 0 }) offset: number) {
    return { limit, offset };
  }

  @Get('/items')
  items(@Query('item-query', { optional: true, minLength: 3, maxLength: 50, pattern: '^fixedquery$' }) q?: string) {
    return { q: q ?? null };
  }
}

let client: LiveTestClient;
beforeAll(async () => {
  client = await LiveTestClient.start(new App({ logger: false }).include(Constrained));
});
afterAll(() => client.close());

const query = (v: string) => ({ query: { v } });

describe('each constraint: a valid value passes, an invalid one is FastAPI\'s 422 entry', () => {
  it.each([
    ['/gt', '1', 1, '0', { type: 'greater_than', msg: 'Input should be greater than 0', ctx: { gt: 0 } }],
    ['/ge', '1', 1, '0', { type: 'greater_than_equal', msg: 'Input should be greater than or equal to 1', ctx: { ge: 1 } }],
    ['/lt', '1.4', 1.4, '1.5', { type: 'less_than', msg: 'Input should be less than 1.5', ctx: { lt: 1.5 } }],
    ['/le', '100', 100, '101', { type: 'less_than_equal', msg: 'Input should be less than or equal to 100', ctx: { le: 100 } }],
    ['/multiple-int', '10', 10, '12', { type: 'multiple_of', msg: 'Input should be a multiple of 5', ctx: { multiple_of: 5 } }],
    // 0.3 / 0.1 is 2.9999999999999996 in floating point: pydantic's 1e-9 tolerance accepts it.
    ['/multiple-float', '0.3', 0.3, '0.35', { type: 'multiple_of', msg: 'Input should be a multiple of 0.1', ctx: { multiple_of: 0.1 } }],
    ['/min-length', 'abc', 'abc', 'ab', { type: 'string_too_short', msg: 'String should have at least 3 characters', ctx: { min_length: 3 } }],
    ['/min-length-one', 'a', 'a', '', { type: 'string_too_short', msg: 'String should have at least 1 character', ctx: { min_length: 1 } }],
    ['/max-length-one', '😀', '😀', 'ab', { type: 'string_too_long', msg: 'String should have at most 1 character', ctx: { max_length: 1 } }],
    ['/pattern', 'abc', 'abc', 'ab1', { type: 'string_pattern_mismatch', msg: "String should match pattern '^[a-z]+$'", ctx: { pattern: '^[a-z]+$' } }],
    // re.search: an unanchored pattern matches anywhere in the value.
    ['/search', 'xaby', 'xaby', 'xy', { type: 'string_pattern_mismatch', msg: "String should match pattern 'ab'", ctx: { pattern: 'ab' } }],
    ['/regexp', '123', '123', '1234', { type: 'string_pattern_mismatch', msg: "String should match pattern '^\\d{3}$'", ctx: { pattern: '^\\d{3}$' } }],
    ['/color', 'red', 'red', 'pink', { type: 'enum', msg: "Input should be 'red', 'green' or 'blue'", ctx: { expected: "'red', 'green' or 'blue'" } }],
    ['/level', '2', 2, '3', { type: 'enum', msg: 'Input should be 1 or 2', ctx: { expected: '1 or 2' } }],
    ['/order', 'asc', 'asc', 'up', { type: 'literal_error', msg: "Input should be 'asc' or 'desc'", ctx: { expected: "'asc' or 'desc'" } }],
  ] as const)('%s', async (path, good, parsed, bad, entry) => {
    const ok = await client.get(path, query(good));
    expect(ok.status).toBe(200);
    expect(ok.json()).toEqual({ v: parsed });
    const res = await client.get(path, query(bad));
    expect(res.status).toBe(422);
    expect(res.json()).toEqual({ detail: [{ ...entry, loc: ['query', 'v'], input: bad }] });
  });

  it('a value that does not convert reports the conversion only; one that does, the constraint', async () => {
    expect((await client.get('/ge', query('x'))).json().detail).toEqual([
      { type: 'int_parsing', loc: ['query', 'v'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'x' },
    ]);
    expect((await client.get('/ge', query(' -3 '))).json().detail).toEqual([
      { type: 'greater_than_equal', loc: ['query', 'v'], msg: 'Input should be greater than or equal to 1', input: ' -3 ', ctx: { ge: 1 } },
    ]);
  });

  it('counts characters as Python does: an emoji is one', async () => {
    expect((await client.get('/min-length', query('😀😀'))).status).toBe(422);
    expect((await client.get('/min-length', query('😀😀😀'))).json()).toEqual({ v: '😀😀😀' });
  });

  it('checks path, header, cookie and form parameters, each at its own loc', async () => {
    expect((await client.get('/max-length/ab')).json()).toEqual({ v: 'ab' });
    expect((await client.get('/max-length/abc')).json().detail).toEqual([
      { type: 'string_too_long', loc: ['path', 'v'], msg: 'String should have at most 2 characters', input: 'abc', ctx: { max_length: 2 } },
    ]);
    expect((await client.get('/header', { headers: { 'x-count': '2' } })).json()).toEqual({ v: 2 });
    expect((await client.get('/header', { headers: { 'x-count': '0' } })).json().detail).toEqual([
      { type: 'greater_than_equal', loc: ['header', 'x-count'], msg: 'Input should be greater than or equal to 1', input: '0', ctx: { ge: 1 } },
    ]);
    expect((await client.get('/cookie', { headers: { cookie: 'sid=abcdefgh' } })).json()).toEqual({ v: 'abcdefgh' });
    expect((await client.get('/cookie', { headers: { cookie: 'sid=abc' } })).json().detail).toEqual([
      { type: 'string_too_short', loc: ['cookie', 'sid'], msg: 'String should have at least 8 characters', input: 'abc', ctx: { min_length: 8 } },
    ]);
    expect((await client.post('/form', { form: { name: 'abc' } })).json()).toEqual({ v: 'abc' });
    expect((await client.post('/form', { form: { name: 'abcd' } })).json().detail).toEqual([
      { type: 'string_too_long', loc: ['body', 'name'], msg: 'String should have at most 3 characters', input: 'abcd', ctx: { max_length: 3 } },
    ]);
  });

  it('checks JSON body values too', async () => {
    expect((await client.post('/body', { json: { ids: [1], rank: 1 } })).json()).toEqual({ ids: [1], rank: 1 });
    const res = await client.post('/body', { json: { ids: [], rank: 0 } });
    expect(res.json().detail).toEqual([
      { type: 'too_short', loc: ['body', 'ids'], msg: 'List should have at least 1 item after validation, not 0', input: [], ctx: { field_type: 'List', min_length: 1, actual_length: 0 } },
      { type: 'greater_than', loc: ['body', 'rank'], msg: 'Input should be greater than 0', input: 0, ctx: { gt: 0 } },
    ]);
  });
});

describe('several invalid parameters in one request', () => {
  it('are all reported, in FastAPI\'s order: path, query, header, cookie', async () => {
    const res = await client.get('/all/0', { query: { q: 'ab', sort: 'up' }, headers: { 'x-count': '11', cookie: 'sid=x' } });
    expect(res.status).toBe(422);
    expect(res.json().detail).toEqual([
      { type: 'greater_than_equal', loc: ['path', 'id'], msg: 'Input should be greater than or equal to 1', input: '0', ctx: { ge: 1 } },
      { type: 'string_too_short', loc: ['query', 'q'], msg: 'String should have at least 3 characters', input: 'ab', ctx: { min_length: 3 } },
      { type: 'literal_error', loc: ['query', 'sort'], msg: "Input should be 'asc' or 'desc'", input: 'up', ctx: { expected: "'asc' or 'desc'" } },
      { type: 'less_than_equal', loc: ['header', 'x-count'], msg: 'Input should be less than or equal to 10', input: '11', ctx: { le: 10 } },
      { type: 'string_pattern_mismatch', loc: ['cookie', 'sid'], msg: "String should match pattern '^s-'", input: 'x', ctx: { pattern: '^s-' } },
    ]);
    const ok = await client.get('/all/1', { query: { q: 'abc', sort: 'asc' }, headers: { 'x-count': '10', cookie: 'sid=s-1' } });
    expect(ok.json()).toEqual({ id: 1, q: 'abc', sort: 'asc', count: 10, sid: 's-1' });
  });
});

describe('lists', () => {
  it('apply value rules to each item, at a loc that ends with its index', async () => {
    expect((await client.get('/ids', { query: { ids: ['1', '2'] } })).json()).toEqual({ ids: [1, 2] });
    const res = await client.get('/ids', { query: { ids: ['1', '0', 'x'] } });
    expect(res.json().detail).toEqual([
      { type: 'greater_than_equal', loc: ['query', 'ids', 1], msg: 'Input should be greater than or equal to 1', input: '0', ctx: { ge: 1 } },
      { type: 'int_parsing', loc: ['query', 'ids', 2], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'x' },
    ]);
  });

  it('bound the number of items as pydantic does: too many before the items, too few after them', async () => {
    const long = await client.get('/ids', { query: { ids: ['1', '0', '3', '4'] } });
    expect(long.json().detail).toEqual([
      {
        type: 'too_long',
        loc: ['query', 'ids'],
        msg: 'List should have at most 3 items after validation, not 4',
        input: ['1', '0', '3', '4'],
        ctx: { field_type: 'List', max_length: 3, actual_length: 4 },
      },
    ]);
    const short = await client.get('/ids', { query: { ids: '5' } });
    expect(short.json().detail).toEqual([
      { type: 'too_short', loc: ['query', 'ids'], msg: 'List should have at least 2 items after validation, not 1', input: ['5'], ctx: { field_type: 'List', min_length: 2, actual_length: 1 } },
    ]);
  });

  it('of enum values check each item', async () => {
    expect((await client.get('/tags', { query: { tag: ['red', 'blue'] } })).json()).toEqual({ tags: ['red', 'blue'] });
    expect((await client.get('/tags', { query: { tag: ['red', 'pink'] } })).json().detail).toEqual([
      { type: 'enum', loc: ['query', 'tag', 1], msg: "Input should be 'red', 'green' or 'blue'", input: 'pink', ctx: { expected: "'red', 'green' or 'blue'" } },
    ]);
  });
});

describe('defaults and names', () => {
  it('an absent value takes its default unchecked, as FastAPI does; a sent one is checked', async () => {
    expect((await client.get('/page')).json()).toEqual({ limit: 50, offset: -1 });
    expect((await client.get('/page', { query: { limit: '100', offset: '0' } })).json()).toEqual({ limit: 100, offset: 0 });
    expect((await client.get('/page', { query: { limit: '1000', offset: '-1' } })).json().detail).toEqual([
      { type: 'less_than_equal', loc: ['query', 'limit'], msg: 'Input should be less than or equal to 100', input: '1000', ctx: { le: 100 } },
      { type: 'greater_than_equal', loc: ['query', 'offset'], msg: 'Input should be greater than or equal to 0', input: '-1', ctx: { ge: 0 } },
    ]);
  });

  it("the name is the key in the request: Query('item-query') is FastAPI's Query(alias='item-query')", async () => {
    // FastAPI's tutorial: q: str | None = Query(alias="item-query", min_length=3, max_length=50, pattern="^fixedquery$").
    expect((await client.get('/items', { query: { 'item-query': 'fixedquery' } })).json()).toEqual({ q: 'fixedquery' });
    expect((await client.get('/items', { query: { q: 'fixedquery' } })).json()).toEqual({ q: null });
    expect((await client.get('/items', { query: { 'item-query': 'nonregexquery' } })).json().detail).toEqual([
      { type: 'string_pattern_mismatch', loc: ['query', 'item-query'], msg: "String should match pattern '^fixedquery$'", input: 'nonregexquery', ctx: { pattern: '^fixedquery$' } },
    ]);
  });
});

describe('compiled once', () => {
  it('a parameter without constraints keeps the plain converter', () => {
    expect(constrainedConverter(Int, { default: 0, description: 'x' }, true, ['C.m', 'n'])).toBe(int);
    expect(constrainedConverter(String, {}, true, ['C.m', 's'])).toBe(string);
    expect(constrainedConverter(Int, { ge: 0 }, true, ['C.m', 'n'])).not.toBe(int);
  });

  it('an enum types the value', () => {
    dependency([Query('sort', { enum: ['asc', 'desc'] }), Query('color', { enum: Color, optional: true }), Query('tags', { type: [String], enum: ['a', 'b'] })], (sort, color, tags) => {
      expectTypeOf(sort).toEqualTypeOf<'asc' | 'desc'>();
      expectTypeOf(color).toEqualTypeOf<Color | undefined>();
      expectTypeOf(tags).toEqualTypeOf<('a' | 'b')[]>();
    });
    dependency([Query('level', { enum: Level })], (level) => {
      expectTypeOf(level).toEqualTypeOf<Level>();
    });
  });
});

describe('options that cannot apply are refused when routes compile', () => {
  class Item {
    @IsString()
    name!: string;
  }
  const compile = (ctrl: new () => object) => () => new App({ logger: false }).include(ctrl).compile();
  const refused = (code: string, message: RegExp) => expect.objectContaining({ code, message: expect.stringMatching(message) });

  it.each([
    ['ge on a string', () => { @Controller() class K { @Get('/k') k(@Query('s', { ge: 1 }) _s: string) {} } return K; }, /K\.k: parameter 's': ge applies to numbers \(Number, Int\), not String/],
    ['pattern on a number', () => { @Controller() class K { @Get('/k') k(@Query('n', { type: Int, pattern: '^1' }) _n: number) {} } return K; }, /parameter 'n': pattern applies to strings, not Int/],
    ['minLength on a list of numbers', () => { @Controller() class K { @Get('/k') k(@Query('n', { type: [Int], minLength: 1 }) _n: number[]) {} } return K; }, /minLength applies to strings, not \[Int\]/],
    ['minItems on a scalar', () => { @Controller() class K { @Get('/k') k(@Query('s', { minItems: 1 }) _s: string) {} } return K; }, /minItems applies to lists/],
    ['a constraint on a boolean', () => { @Controller() class K { @Get('/k') k(@Query('b', { type: Boolean, minLength: 1 }) _b: boolean) {} } return K; }, /minLength cannot apply to a value of type Boolean/],
    ['a constraint on a model', () => { @Controller() class K { @Post('/k') k(@Body({ maxLength: 3 }) _i: Item) {} } return K; }, /maxLength cannot apply to a value of type Item/],
    ['a constraint on a file', () => { @Controller() class K { @Post('/k') k(@File('f', { maxLength: 3 }) _f: UploadFile) {} } return K; }, /parameter 'f': maxLength cannot apply to a value of type UploadFile/],
    ['a bound that is not a finite number', () => { @Controller() class K { @Get('/k') k(@Query('n', { type: Int, le: Infinity }) _n: number) {} } return K; }, /le must be a finite number, got Infinity/],
    ['multipleOf 0', () => { @Controller() class K { @Get('/k') k(@Query('n', { type: Int, multipleOf: 0 }) _n: number) {} } return K; }, /multipleOf must be greater than 0/],
    ['a negative length', () => { @Controller() class K { @Get('/k') k(@Query('s', { minLength: -1 }) _s: string) {} } return K; }, /minLength must be a whole number of 0 or more, got -1/],
    ['an empty enum', () => { @Controller() class K { @Get('/k') k(@Query('s', { enum: [] }) _s: string) {} } return K; }, /enum lists no values/],
    ['enum numbers on a string', () => { @Controller() class K { @Get('/k') k(@Query('s', { type: String, enum: [1, 2] }) _s: string) {} } return K; }, /enum value 1 is not a string/],
  ])('%s', (_name, make, message) => {
    expect(compile(make())).toThrow(refused('FASTTS_ERR_PARAM_CONSTRAINT', message));
  });

  it('an invalid pattern is FASTTS_ERR_PARAM_PATTERN', () => {
    @Controller()
    class K {
      @Get('/k')
      k(@Query('s', { pattern: '(unclosed' }) _s: string) {}
    }
    expect(compile(K)).toThrow(refused('FASTTS_ERR_PARAM_PATTERN', /K\.k: parameter 's': pattern '\(unclosed' is not a valid regular expression/));
  });
});
