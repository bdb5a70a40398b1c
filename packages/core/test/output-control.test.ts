import { Type } from 'class-transformer';
import { IsArray, IsNumber, IsOptional, IsString, ValidateNested } from 'class-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, Controller, Get, JSONResponse, Path } from '@fastts/core';
import { LiveTestClient } from '@fastts/testing';

// FastAPI's "Response Model - Return Type" example: fields with defaults, and stored items that set some of them.
class Item {
  @IsString()
  name!: string;

  @IsOptional()
  @IsString()
  description?: string | null = null;

  @IsNumber()
  price!: number;

  @IsOptional()
  @IsNumber()
  tax?: number = 10.5;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  tags?: string[] = [];
}

const items: Record<string, object> = {
  foo: { name: 'Foo', price: 50.2 },
  bar: { name: 'Bar', description: 'The bartenders', price: 62, tax: 20.2 },
  baz: { name: 'Baz', description: null, price: 50.2, tax: 10.5, tags: [] },
};

class Customer {
  @IsString()
  name!: string;

  @IsOptional()
  @IsString()
  email?: string | null;
}

class Order {
  @IsString()
  id!: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => Customer)
  customer?: Customer | null;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => Item)
  lines!: Item[];
}

const order = { id: 'o1', customer: { name: 'Ann', email: null }, lines: [items['foo'], items['baz']] };

/** The same routes, sent by JSONResponse (the compiled JSON writer) or by a subclass that renders itself (full validation). */
function routes(responseClass: typeof JSONResponse) {
  @Controller()
  class Routes {
    @Get('/plain/{id}', { responseModel: Item, responseClass })
    plain(@Path('id') id: string) {
      return items[id];
    }

    @Get('/unset/{id}', { responseModel: Item, responseModelExcludeUnset: true, responseClass })
    unset(@Path('id') id: string) {
      return items[id];
    }

    @Get('/defaults/{id}', { responseModel: Item, responseModelExcludeDefaults: true, responseClass })
    defaults(@Path('id') id: string) {
      return items[id];
    }

    @Get('/none/{id}', { responseModel: Item, responseModelExcludeNone: true, responseClass })
    none(@Path('id') id: string) {
      return items[id];
    }

    @Get('/items/{id}/name', { responseModel: Item, responseModelInclude: new Set(['name', 'description']), responseClass })
    name(@Path('id') id: string) {
      return items[id];
    }

    @Get('/items/{id}/public', { responseModel: Item, responseModelExclude: ['tax'], responseClass })
    public(@Path('id') id: string) {
      return items[id];
    }

    @Get('/orders/unset', { responseModel: [Order], responseModelExcludeUnset: true, responseClass })
    ordersUnset() {
      return [order];
    }

    @Get('/orders/none', { responseModel: [Order], responseModelExcludeNone: true, responseModelExcludeDefaults: true, responseClass })
    ordersNone() {
      return [order];
    }

    @Get('/orders/selected', { responseModel: Order, responseModelInclude: { id: true, customer: true, lines: ['name', 'price'] }, responseModelExclude: { customer: ['email'] }, responseClass })
    ordersSelected() {
      return order;
    }

    @Get('/instance', { responseModel: Item, responseModelExcludeUnset: true, responseClass })
    instance() {
      return Object.assign(new Item(), { name: 'Made', price: 1 });
    }
  }
  return Routes;
}

// Overriding render takes the response off the compiled writer: every value goes through validation.
class RenderedJSON extends JSONResponse {
  protected override render(content: unknown): string {
    return JSON.stringify(content);
  }
}

let client: LiveTestClient;
beforeAll(async () => {
  const app = new App({ logger: false }).include(routes(JSONResponse), { prefix: '/fast' }).include(routes(RenderedJSON), { prefix: '/full' });
  client = await LiveTestClient.start(app);
});
afterAll(() => client.close());

/** The body of `path` from both paths, which must agree. */
async function both(path: string): Promise<unknown> {
  const fast = await client.get(`/fast${path}`);
  const full = await client.get(`/full${path}`);
  expect(fast.status, fast.text).toBe(200);
  expect(full.status, full.text).toBe(200);
  expect(fast.text, `${path}: the writer and the full path send the same bytes`).toBe(full.text);
  return fast.json();
}

describe('output control (response_model_exclude_*, include, exclude)', () => {
  it('leaves a route without options unchanged: defaults filled in, nulls sent', async () => {
    expect(await both('/plain/foo')).toEqual({ name: 'Foo', description: null, price: 50.2, tax: 10.5, tags: [] });
    expect(await both('/plain/baz')).toEqual({ name: 'Baz', description: null, price: 50.2, tax: 10.5, tags: [] });
  });

  it('responseModelExcludeUnset sends only the fields the returned value set, even when they equal the default', async () => {
    expect(await both('/unset/foo')).toEqual({ name: 'Foo', price: 50.2 });
    expect(await both('/unset/bar')).toEqual({ name: 'Bar', description: 'The bartenders', price: 62, tax: 20.2 });
    expect(await both('/unset/baz')).toEqual({ name: 'Baz', description: null, price: 50.2, tax: 10.5, tags: [] });
  });

  it('counts a class instance\'s initialised fields as set', async () => {
    expect(await both('/instance')).toEqual({ name: 'Made', description: null, price: 1, tax: 10.5, tags: [] });
  });

  it('responseModelExcludeDefaults drops values equal to the model\'s defaults, lists compared by items', async () => {
    expect(await both('/defaults/baz')).toEqual({ name: 'Baz', price: 50.2 });
    expect(await both('/defaults/bar')).toEqual({ name: 'Bar', description: 'The bartenders', price: 62, tax: 20.2 });
  });

  it('responseModelExcludeNone drops null fields only', async () => {
    expect(await both('/none/baz')).toEqual({ name: 'Baz', price: 50.2, tax: 10.5, tags: [] });
    expect(await both('/none/bar')).toEqual({ name: 'Bar', description: 'The bartenders', price: 62, tax: 20.2, tags: [] });
  });

  it('responseModelInclude and responseModelExclude take lists or sets of names', async () => {
    expect(await both('/items/bar/name')).toEqual({ name: 'Bar', description: 'The bartenders' });
    expect(await both('/items/bar/public')).toEqual({ name: 'Bar', description: 'The bartenders', price: 62, tags: [] });
  });

  it('applies the flags inside nested models and lists of models', async () => {
    expect(await both('/orders/unset')).toEqual([{ id: 'o1', customer: { name: 'Ann', email: null }, lines: [{ name: 'Foo', price: 50.2 }, items['baz']] }]);
    expect(await both('/orders/none')).toEqual([{ id: 'o1', customer: { name: 'Ann' }, lines: [{ name: 'Foo', price: 50.2 }, { name: 'Baz', price: 50.2 }] }]);
  });

  it('takes nested selections: { field: true, nested: [names] }, for each item of a list', async () => {
    expect(await both('/orders/selected')).toEqual({ id: 'o1', customer: { name: 'Ann' }, lines: [{ name: 'Foo', price: 50.2 }, { name: 'Baz', price: 50.2 }] });
  });

  it('still validates what it leaves out: a bad excluded field is a 500, never sent', async () => {
    const app = new App({ logger: false }).include(
      (() => {
        @Controller()
        class Bad {
          @Get('/bad', { responseModel: Item, responseModelExclude: ['price'] })
          bad() {
            return { name: 'x', price: 'not a number' };
          }
        }
        return Bad;
      })(),
    );
    const live = await LiveTestClient.start(app, { raiseServerExceptions: false });
    try {
      const res = await live.get('/bad');
      expect(res.status).toBe(500);
      expect(res.text).toBe('Internal Server Error');
    } finally {
      await live.close();
    }
  });
});
