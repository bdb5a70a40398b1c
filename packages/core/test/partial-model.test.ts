import { Type } from 'class-transformer';
import { IsArray, IsNumber, IsOptional, IsPositive, IsString, Length, ValidateNested } from 'class-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, Body, Controller, Get, HTTPException, Model, Patch, PartialModel, Path, Post } from '@fastts/core';
import { LiveTestClient } from '@fastts/testing';

class Tag {
  @IsString()
  label!: string;
}

class Item {
  @IsString()
  @Length(1, 20)
  name!: string;

  @IsOptional()
  @IsString()
  description?: string | null = null;

  @IsNumber()
  @IsPositive()
  price!: number;

  @IsOptional()
  @IsNumber()
  tax?: number = 10.5;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  tags?: string[] = [];

  @IsOptional()
  @ValidateNested()
  @Type(() => Tag)
  label?: Tag;
}

// Every field of Item optional, its constraints kept; only the fields the client sends are on an instance.
class ItemPatch extends PartialModel(Item) {}

@Model({ extra: 'forbid' })
class Strict {
  @IsString()
  name!: string;
}

const StrictPartial = PartialModel(Strict);

const stored = (): Record<string, Partial<Item>> => ({
  foo: { name: 'Foo', price: 50.2 },
  bar: { name: 'Bar', description: 'The bartenders', price: 62, tax: 20.2 },
});
let items = stored();

@Controller()
class Items {
  @Get('/items/{id}', { responseModel: Item })
  read(@Path('id') id: string) {
    return items[id];
  }

  @Patch('/items/{id}', { responseModel: Item })
  update(@Path('id') id: string, @Body() patch: ItemPatch) {
    const item = items[id];
    if (item === undefined) throw new HTTPException(404, 'Item not found');
    // FastAPI: stored.model_copy(update=patch.model_dump(exclude_unset=True)).
    const updated = { ...item, ...patch };
    items[id] = updated;
    return updated;
  }

  @Post('/sent')
  sent(@Body() patch: ItemPatch) {
    return { keys: Object.keys(patch), isItem: patch instanceof Item };
  }

  @Post('/strict')
  strict(@Body({ type: StrictPartial }) body: Partial<Strict>) {
    return body;
  }
}

let client: LiveTestClient;
beforeAll(async () => {
  client = await LiveTestClient.start(new App({ logger: false }).include(Items));
});
afterAll(() => client.close());

describe('PartialModel (PATCH bodies)', () => {
  it('is one class per model, named after it, a subclass of it', () => {
    expect(PartialModel(Item)).toBe(PartialModel(Item));
    expect(PartialModel(Item).name).toBe('ItemPartial');
    expect(new (PartialModel(Item))()).toBeInstanceOf(Item);
    // No initialisers run: an empty instance has no fields, not Item's defaults.
    expect(Object.keys(new (PartialModel(Item))())).toEqual([]);
  });

  it('updates only the fields sent, keeping stored values where the model has defaults', async () => {
    items = stored();
    const res = await client.patch('/items/bar', { json: { price: 3 } });
    expect(res.status, res.text).toBe(200);
    // A PUT with Item would have reset tax to its default, 10.5 (FastAPI's "Warning about replacing").
    expect(res.json()).toEqual({ name: 'Bar', description: 'The bartenders', price: 3, tax: 20.2, tags: [] });
    expect(items['bar']).toEqual({ name: 'Bar', description: 'The bartenders', price: 3, tax: 20.2 });
    expect((await client.patch('/items/bar', { json: { description: null, tags: ['x'] } })).json()).toEqual({ name: 'Bar', description: null, price: 3, tax: 20.2, tags: ['x'] });
    expect((await client.patch('/items/bar', { json: {} })).json()).toEqual({ name: 'Bar', description: null, price: 3, tax: 20.2, tags: ['x'] });
    expect((await client.get('/items/bar')).json()).toEqual({ name: 'Bar', description: null, price: 3, tax: 20.2, tags: ['x'] });
  });

  it('holds exactly the fields the client sent', async () => {
    expect((await client.post('/sent', { json: { tax: 1, label: { label: 'l' } } })).json()).toEqual({ keys: ['tax', 'label'], isItem: true });
    expect((await client.post('/sent', { json: {} })).json()).toEqual({ keys: [], isItem: true });
  });

  it('answers 422 for a present field of the wrong type or breaking a constraint, as the full model does', async () => {
    items = stored();
    const wrongType = await client.patch('/items/foo', { json: { price: 'abc' } });
    expect(wrongType.status).toBe(422);
    expect(wrongType.json()).toEqual({ detail: [{ type: 'float_parsing', loc: ['body', 'price'], msg: 'Input should be a valid number, unable to parse string as a number', input: 'abc' }] });
    const constraints = await client.patch('/items/foo', { json: { name: '', price: -1 } });
    expect(constraints.status).toBe(422);
    expect((constraints.json() as { detail: { loc: unknown[]; type: string }[] }).detail.map((d) => [d.loc, d.type])).toEqual([
      [['body', 'name'], 'string_too_short'],
      [['body', 'price'], 'greater_than'],
    ]);
    const nested = await client.patch('/items/foo', { json: { label: {} } });
    expect(nested.status).toBe(422);
    expect((nested.json() as { detail: { loc: unknown[] }[] }).detail[0]!.loc).toEqual(['body', 'label', 'label']);
    expect(items['foo']).toEqual({ name: 'Foo', price: 50.2 });
  });

  it('keeps the model\'s options: extra keys stay forbidden', async () => {
    expect((await client.post('/strict', { json: {} })).json()).toEqual({});
    const res = await client.post('/strict', { json: { other: 1 } });
    expect(res.status).toBe(422);
    expect((res.json() as { detail: { type: string }[] }).detail[0]!.type).toBe('extra_forbidden');
  });
});
