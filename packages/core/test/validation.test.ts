import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsDate,
  IsEmail,
  IsEnum,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
  registerDecorator,
} from 'class-validator';
import { describe, expect, it } from 'vitest';
import { App, Body, Controller, Cookie, Get, Header, Model, Post, Query, RequestValidationError, type Request } from '@fastts/core';
import { TestClient } from '@fastts/testing';

enum Color {
  Red = 'red',
  Green = 'green',
  Blue = 'blue',
}

class Tag {
  @IsString()
  @MinLength(2)
  name!: string;
}

class Item {
  @IsString()
  @Length(1, 50)
  name!: string;

  @IsNumber()
  @IsPositive()
  price!: number;

  @IsOptional()
  @IsString({ each: true })
  tags?: string[];

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10)
  rating?: number;

  @IsOptional()
  @IsEnum(Color)
  color?: Color;

  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => Tag)
  labels?: Tag[];

  @IsOptional()
  @IsDate()
  @Type(() => Date)
  since?: Date;

  describe() {
    return `${this.name} at ${this.price}`;
  }
}

@Model({ extra: 'forbid' })
class Strict {
  @IsString()
  name!: string;
}

class Filters {
  @IsOptional()
  @IsInt()
  @Min(0)
  skip = 0;

  @IsOptional()
  @IsInt()
  @Max(100)
  limit = 10;

  @IsOptional()
  @IsString({ each: true })
  tags: string[] = [];

  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: string;
}

class CommonHeaders {
  @IsString()
  host!: string;

  @IsOptional()
  @IsString()
  x_token?: string;
}

class Session {
  @IsString()
  @Matches(/^s\d+$/)
  session_id!: string;
}

function IsEven() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isEven',
      target: target.constructor,
      propertyName,
      validator: { validate: (v: unknown) => typeof v === 'number' && v % 2 === 0, defaultMessage: () => '$property must be even' },
    });
}

function IsKnownUser() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isKnownUser',
      target: target.constructor,
      propertyName,
      async: true,
      validator: { validate: async (v: unknown) => (await Promise.resolve(['ann', 'bob'])).includes(v as string), defaultMessage: () => 'unknown user' },
    });
}

class Lookup {
  @IsString()
  @IsKnownUser()
  user!: string;
}

class WithCustom {
  @IsInt()
  @IsEven()
  n!: number;

  @IsOptional()
  @IsEmail()
  email?: string;
}

@Controller()
class Models {
  @Post('/items')
  create(@Body() item: Item) {
    return { isItem: item instanceof Item, text: item.describe(), item };
  }

  @Post('/strict')
  strict(@Body() body: Strict) {
    return body;
  }

  @Post('/custom')
  custom(@Body() body: WithCustom) {
    return body;
  }

  @Post('/lookup')
  lookup(@Body() body: Lookup) {
    return body;
  }

  @Post('/two')
  two(@Body('item') item: Item, @Body('strict') strict: Strict) {
    return { item: item.name, strict: strict.name };
  }

  @Get('/filters')
  filters(@Query() filters: Filters) {
    return { ...filters, isFilters: filters instanceof Filters };
  }

  @Get('/headers')
  headers(@Header() headers: CommonHeaders) {
    return headers;
  }

  @Get('/cookies')
  cookies(@Cookie() cookies: Session) {
    return cookies;
  }
}

const client = new TestClient(new App({ logger: false }).include(Models));
const post = (path: string, json: unknown) => client.post(path, { json });

describe('request models', () => {
  it('hands the handler an instance of the model, with unknown keys dropped', async () => {
    const res = await post('/items', { name: 'Pen', price: 1.5, tags: ['a'], rating: '4', color: 'red', labels: [{ name: 'xx' }], since: '2024-01-02T03:04:05Z', password: 'x' });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({
      isItem: true,
      text: 'Pen at 1.5',
      item: { name: 'Pen', price: 1.5, tags: ['a'], rating: 4, color: 'red', labels: [{ name: 'xx' }], since: '2024-01-02T03:04:05.000Z' },
    });
  });

  it('answers 422 with pydantic\'s types, one issue per field, nested locs and indexes', async () => {
    const res = await post('/items', { name: '', price: -1, tags: ['ok', 3], rating: 11, color: 'pink', labels: [{ name: 'ok' }, { name: 'x' }, 5], since: 'yesterday' });
    expect(res.status).toBe(422);
    expect(res.json().detail).toEqual([
      { type: 'string_too_short', loc: ['body', 'name'], msg: 'String should have at least 1 character', input: '', ctx: { min_length: 1 } },
      { type: 'greater_than', loc: ['body', 'price'], msg: 'Input should be greater than 0', input: -1, ctx: { gt: 0 } },
      { type: 'string_type', loc: ['body', 'tags', 1], msg: 'Input should be a valid string', input: 3 },
      { type: 'less_than_equal', loc: ['body', 'rating'], msg: 'Input should be less than or equal to 10', input: 11, ctx: { le: 10 } },
      { type: 'enum', loc: ['body', 'color'], msg: "Input should be 'red', 'green' or 'blue'", input: 'pink', ctx: { expected: "'red', 'green' or 'blue'" } },
      { type: 'string_too_short', loc: ['body', 'labels', 1, 'name'], msg: 'String should have at least 2 characters', input: 'x', ctx: { min_length: 2 } },
      {
        type: 'model_attributes_type',
        loc: ['body', 'labels', 2],
        msg: 'Input should be a valid dictionary or object to extract fields from',
        input: 5,
      },
      {
        type: 'datetime_from_date_parsing',
        loc: ['body', 'since'],
        msg: 'Input should be a valid datetime or date, input is too short',
        input: 'yesterday',
        ctx: { error: 'input is too short' },
      },
    ]);
  });

  it('reports missing fields with the object as input, and wrong types first', async () => {
    const res = await post('/items', { price: 'abc' });
    expect(res.json().detail).toEqual([
      { type: 'missing', loc: ['body', 'name'], msg: 'Field required', input: { price: 'abc' } },
      { type: 'float_parsing', loc: ['body', 'price'], msg: 'Input should be a valid number, unable to parse string as a number', input: 'abc' },
    ]);
    const notObject = await post('/items', [1, 2]);
    expect(notObject.json().detail).toEqual([
      { type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: [1, 2] },
    ]);
  });

  it('forbids unknown keys when the model says so', async () => {
    const res = await post('/strict', { name: 'a', extra: 1 });
    expect(res.json().detail).toEqual([{ type: 'extra_forbidden', loc: ['body', 'extra'], msg: 'Extra inputs are not permitted', input: 1 }]);
    expect((await post('/strict', { name: 'a' })).json()).toEqual({ name: 'a' });
  });

  it('runs custom constraints through class-validator and reports them as value_error', async () => {
    const res = await post('/custom', { n: 3, email: 'nope' });
    expect(res.json().detail).toEqual([
      { type: 'value_error', loc: ['body', 'n'], msg: 'Value error, n must be even', input: 3, ctx: { error: 'n must be even', constraint: 'isEven' } },
      { type: 'value_error', loc: ['body', 'email'], msg: 'Value error, email must be an email', input: 'nope', ctx: { error: 'email must be an email', constraint: 'isEmail' } },
    ]);
    expect((await post('/custom', { n: 4, email: 'a@b.co' })).json()).toEqual({ n: 4, email: 'a@b.co' });
  });

  it('awaits async custom constraints', async () => {
    expect((await post('/lookup', { user: 'ann' })).json()).toEqual({ user: 'ann' });
    const res = await post('/lookup', { user: 'eve' });
    expect(res.status).toBe(422);
    expect(res.json().detail[0]).toMatchObject({ type: 'value_error', loc: ['body', 'user'], msg: 'Value error, unknown user' });
  });

  it('keys several body models by parameter name', async () => {
    expect((await post('/two', { item: { name: 'p', price: 1 }, strict: { name: 's' } })).json()).toEqual({ item: 'p', strict: 's' });
    const res = await post('/two', { item: { name: 'p' }, strict: {} });
    expect(res.json().detail.map((d: { loc: unknown[] }) => d.loc)).toEqual([
      ['body', 'item', 'price'],
      ['body', 'strict', 'name'],
    ]);
  });
});

describe('grouped parameter models (FastAPI 0.115)', () => {
  it('reads a query model from the whole query string, with class defaults', async () => {
    expect((await client.get('/filters?skip=5&tags=a&tags=b')).json()).toEqual({ skip: 5, limit: 10, tags: ['a', 'b'], isFilters: true });
    const bad = await client.get('/filters?skip=-1&limit=x&order=up');
    expect(bad.json().detail.map((d: { type: string; loc: unknown[] }) => [d.type, ...d.loc])).toEqual([
      ['greater_than_equal', 'query', 'skip'],
      ['int_parsing', 'query', 'limit'],
      ['enum', 'query', 'order'],
    ]);
  });

  it('reads header and cookie models, with underscores as dashes for headers', async () => {
    expect((await client.get('/headers', { headers: { host: 'h', 'x-token': 't' } })).json()).toEqual({ host: 'h', x_token: 't' });
    expect((await client.get('/cookies', { headers: { cookie: 'session_id=s42' } })).json()).toEqual({ session_id: 's42' });
    const bad = await client.get('/cookies', { headers: { cookie: 'session_id=nope' } });
    expect(bad.json().detail[0]).toMatchObject({ type: 'string_pattern_mismatch', loc: ['cookie', 'session_id'], ctx: { pattern: '^s\\d+$' } });
  });
});

describe('validation errors', () => {
  it('lets the app replace the handler and its status', async () => {
    const app = new App({ logger: false })
      .include(Models)
      .exceptionHandler(RequestValidationError, (_req: Request, err: RequestValidationError) => ({ errors: err.errors().length, body: err.body }));
    const res = await new TestClient(app).post('/strict', { json: { nope: 1 } });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ errors: 2, body: { nope: 1 } });
    const status400 = new TestClient(new App({ logger: false, validationErrorStatus: 400 }).include(Models));
    expect((await status400.post('/strict', { json: {} })).status).toBe(400);
  });
});
