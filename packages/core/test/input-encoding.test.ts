import { IsArray, IsString } from 'class-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, Controller, Get, JSONResponse } from '@fastts/core';
import { memoryLogger } from './helpers.js';

// A plain return value is encoded as FastAPI's jsonable_encoder does: a Set or
// another iterable becomes a list, a Map an object, wherever they sit. What
// JSON cannot hold is a 500 with FASTTS_ERR_RESPONSE_NOT_JSON naming where it
// sits, never a silent `{}`.

function* numbers() {
  yield 1;
  yield 2;
}

class Tagged {
  @IsString()
  name!: string;

  @IsArray()
  @IsString({ each: true })
  tags!: string[];
}

const cyclic: Record<string, unknown> = { a: 1 };
cyclic['self'] = { again: cyclic };

@Controller()
class Values {
  @Get('/plain')
  plain() {
    return { a: 1, b: [true, null], c: {} };
  }

  @Get('/set')
  set() {
    return new Set([1, 2, 2, 3]);
  }

  @Get('/map')
  map() {
    return new Map<string, unknown>([
      ['a', 1],
      ['b', new Set(['x'])],
    ]);
  }

  @Get('/nested')
  nested() {
    return { tags: new Set(['x', 'y']), counts: new Map([['k', [new Set([1])]]]), when: new Date(0), list: [new Map(), numbers()], bytes: new Uint8Array([7, 8]) };
  }

  @Get('/to-json')
  toJson() {
    return { toJSON: () => new Set(['via toJSON']) };
  }

  @Get('/map-keys')
  mapKeys() {
    return new Map<unknown, string>([
      [1, 'one'],
      [true, 'yes'],
      [null, 'none'],
    ]);
  }

  @Get('/map-object-key')
  mapObjectKey() {
    return { m: new Map([[{ id: 1 }, 'x']]) };
  }

  @Get('/bigint')
  bigint() {
    return { items: [{ price: 10n }] };
  }

  @Get('/bigint-in-set')
  bigintInSet() {
    return { ids: new Set([1n]) };
  }

  @Get('/cycle')
  cycle() {
    return cyclic;
  }

  @Get('/symbol')
  symbol() {
    return Symbol('s');
  }

  @Get('/function')
  fn() {
    return () => 1;
  }

  @Get('/undefined')
  nothing() {
    return undefined;
  }

  @Get('/json-response')
  jsonResponse() {
    return new JSONResponse({ ids: new Set([1]) });
  }

  @Get('/model', { responseModel: Tagged })
  model() {
    return { name: 'n', tags: new Set(['a']) };
  }
}

const logger = memoryLogger();
let app: App;
let base: string;
beforeAll(async () => {
  app = new App({ logger }).include(Values);
  const { port } = await app.listen(0);
  base = `http://127.0.0.1:${port}`;
});
afterAll(() => app.close({ timeoutMs: 1000 }));

async function get(path: string) {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, text: await res.text() };
}

describe('plain return values are encoded as jsonable_encoder does', () => {
  it('sends plain values as JSON.stringify does', async () => {
    expect(await get('/plain')).toEqual({ status: 200, text: '{"a":1,"b":[true,null],"c":{}}' });
  });

  it('sends a Set as a list', async () => {
    expect(await get('/set')).toEqual({ status: 200, text: '[1,2,3]' });
  });

  it('sends a Map as an object', async () => {
    expect(await get('/map')).toEqual({ status: 200, text: '{"a":1,"b":["x"]}' });
  });

  it('converts Sets, Maps, iterables and typed arrays wherever they sit; Dates become ISO text', async () => {
    expect(JSON.parse((await get('/nested')).text)).toEqual({
      tags: ['x', 'y'],
      counts: { k: [[1]] },
      when: '1970-01-01T00:00:00.000Z',
      list: [{}, [1, 2]],
      bytes: [7, 8],
    });
  });

  it("encodes what a toJSON method returns", async () => {
    expect(await get('/to-json')).toEqual({ status: 200, text: '["via toJSON"]' });
  });

  it('turns number, boolean and null Map keys into their text', async () => {
    expect(await get('/map-keys')).toEqual({ status: 200, text: '{"1":"one","true":"yes","null":"none"}' });
  });

  it('encodes a returned JSONResponse the same way', async () => {
    expect(await get('/json-response')).toEqual({ status: 200, text: '{"ids":[1]}' });
  });

  it('sends null for undefined, as FastAPI sends None', async () => {
    expect(await get('/undefined')).toEqual({ status: 200, text: 'null' });
  });
});

describe('values JSON cannot hold are a 500 naming the route and where the value sits', () => {
  it.each([
    ['/bigint', /a bigint at \$\.items\[0\]\.price/],
    ['/bigint-in-set', /a bigint at \$\.ids\[0\]/],
    ['/cycle', /a cycle at \$\.self\.again/],
    ['/symbol', /a symbol at \$/],
    ['/function', /a function at \$/],
    ['/map-object-key', /a Map key that is an object at \$\.m/],
  ])('%s', async (path, message) => {
    logger.entries.length = 0;
    expect(await get(path)).toEqual({ status: 500, text: 'Internal Server Error' });
    const errors = logger.entries.filter((e) => e.level === 'error');
    expect(errors).toHaveLength(1);
    const err = errors[0]!.obj['err'] as { code?: string; message: string };
    expect(err.code).toBe('FASTTS_ERR_RESPONSE_NOT_JSON');
    expect(err.message).toMatch(message);
    expect(errors[0]!.obj['route']).toEqual(expect.stringContaining('Values.'));
  });
});

describe('a response model field given a Set', () => {
  it('sends it as a list, as pydantic validates a set into a list field', async () => {
    expect(await get('/model')).toEqual({ status: 200, text: '{"name":"n","tags":["a"]}' });
  });
});
