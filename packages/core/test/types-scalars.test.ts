import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { IsOptional, IsUUID } from 'class-validator';
import {
  App,
  AwareDateTime,
  Base64Bytes,
  Body,
  Controller,
  DateOnly,
  Decimal,
  DecimalOf,
  Duration,
  Get,
  IsBase64Bytes,
  IsDateOnly,
  IsDecimalText,
  IsDuration,
  IsTime,
  IsTimezoneAware,
  Post,
  Query,
  Time,
  UUID,
  type TypeOf,
} from '@fastts/core';
import { LiveTestClient } from '@fastts/testing';
import { compileJsonWriter } from '../src/validation/json-writer.js';
import { responseSerializer } from '../src/validation/response-model.js';

// More types (issue 18, item 5), each as a query parameter and as a model
// field, over a real socket: the value a handler reads, what is sent back, and
// the 422 entry FastAPI (pydantic 2) answers with for a bad one.

class Event {
  @IsUUID()
  id!: string;

  @IsDateOnly()
  day!: string;

  @IsTime()
  at!: string;

  @IsTimezoneAware()
  when!: Date;

  @IsDuration()
  length!: number;

  @IsDecimalText({ maxDigits: 5, decimalPlaces: 2 })
  price!: string;

  @IsBase64Bytes()
  blob!: Buffer;

  @IsOptional()
  @IsUUID('4')
  v4?: string;
}

@Controller()
class Types {
  @Get('/uuid')
  uuid(@Query('v', { type: UUID }) v: string) {
    return { v };
  }

  @Get('/date')
  date(@Query('v', { type: DateOnly }) v: string) {
    return { v };
  }

  @Get('/time')
  time(@Query('v', { type: Time }) v: string) {
    return { v };
  }

  @Get('/aware')
  aware(@Query('v', { type: AwareDateTime }) v: Date) {
    return { v: v.toISOString() };
  }

  @Get('/duration')
  duration(@Query('v', { type: Duration }) v: number) {
    return { seconds: v };
  }

  @Get('/decimal')
  decimal(@Query('v', { type: Decimal }) v: string) {
    return { v };
  }

  @Get('/price')
  price(@Query('v', { type: DecimalOf({ maxDigits: 5, decimalPlaces: 2 }) }) v: string) {
    return { v };
  }

  @Get('/bytes')
  bytes(@Query('v', { type: Base64Bytes }) v: Buffer) {
    return { hex: v.toString('hex') };
  }

  @Post('/events', { responseModel: Event })
  event(@Body() event: Event) {
    return {
      ...event,
      seen: {
        day: typeof event.day,
        when: event.when instanceof Date,
        length: event.length,
        blob: Buffer.isBuffer(event.blob) ? event.blob.toString('hex') : null,
      },
    };
  }

  @Post('/events/seen')
  seen(@Body() event: Event) {
    return { day: event.day, when: event.when instanceof Date ? event.when.toISOString() : null, length: event.length, blob: event.blob.toString('hex'), price: event.price };
  }

  @Get('/event', { responseModel: Event })
  made() {
    return { id: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', day: '2024-02-29', at: '10:30', when: new Date('2024-01-01T00:00:00Z'), length: 93_784.5, price: '12.50', blob: Buffer.from('hi!') };
  }
}

let client: LiveTestClient;
beforeAll(async () => {
  client = await LiveTestClient.start(new App({ logger: false }).include(Types));
});
afterAll(() => client.close());

async function detail(path: string, value: string) {
  const res = await client.get(path, { query: { v: value } });
  expect(res.status).toBe(422);
  return res.json().detail;
}

const good = async (path: string, value: string) => {
  const res = await client.get(path, { query: { v: value } });
  expect(res.status, JSON.stringify(res.json())).toBe(200);
  return res.json();
};

describe('UUID', () => {
  it('reads any form pydantic reads as the lower-case hyphenated text', async () => {
    for (const text of ['A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'a0eebc999c0b4ef8bb6d6bb9bd380a11', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', 'urn:uuid:a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11']) {
      expect(await good('/uuid', text)).toEqual({ v: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' });
    }
  });

  it("fails with the uuid crate's reason", async () => {
    expect(await detail('/uuid', 'abc')).toEqual([
      { type: 'uuid_parsing', loc: ['query', 'v'], msg: 'Input should be a valid UUID, invalid length: expected length 32 for simple format, found 3', input: 'abc', ctx: { error: 'invalid length: expected length 32 for simple format, found 3' } },
    ]);
    expect((await detail('/uuid', 'x0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'))[0].msg).toBe(
      'Input should be a valid UUID, invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `x` at 1',
    );
    expect((await detail('/uuid', 'a0eebc99-9c0b-4ef8-bb6d'))[0].msg).toBe('Input should be a valid UUID, invalid group count: expected 5, found 4');
    expect((await detail('/uuid', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1'))[0].msg).toBe('Input should be a valid UUID, invalid group length in group 4: expected 12, found 11');
  });
});

describe('DateOnly', () => {
  it("reads 'YYYY-MM-DD', and a datetime at exactly midnight", async () => {
    expect(await good('/date', '2024-02-29')).toEqual({ v: '2024-02-29' });
    expect(await good('/date', '2024-03-01T00:00:00Z')).toEqual({ v: '2024-03-01' });
  });

  it("fails as pydantic's date does (the datetime parser's reason, or inexact)", async () => {
    expect(await detail('/date', '2023-02-29')).toEqual([
      { type: 'date_from_datetime_parsing', loc: ['query', 'v'], msg: 'Input should be a valid date or datetime, day value is outside expected range', input: '2023-02-29', ctx: { error: 'day value is outside expected range' } },
    ]);
    expect((await detail('/date', '2024-13-01'))[0].msg).toBe('Input should be a valid date or datetime, month value is outside expected range of 1-12');
    expect((await detail('/date', 'tomorrow'))[0].msg).toBe('Input should be a valid date or datetime, input is too short');
    expect(await detail('/date', '2024-01-01T10:00:00')).toEqual([
      { type: 'date_from_datetime_inexact', loc: ['query', 'v'], msg: 'Datetimes provided to dates should have zero time - e.g. be exact dates', input: '2024-01-01T10:00:00' },
    ]);
  });
});

describe('Time', () => {
  it('reads HH:MM[:SS[.ffffff]] with an offset', async () => {
    expect(await good('/time', '10:30')).toEqual({ v: '10:30:00' });
    expect(await good('/time', '10:30:15.5+02:00')).toEqual({ v: '10:30:15.500000+02:00' });
    expect(await good('/time', '23:59:59Z')).toEqual({ v: '23:59:59Z' });
  });

  it("fails with speedate's reason", async () => {
    expect(await detail('/time', '25:00')).toEqual([
      { type: 'time_parsing', loc: ['query', 'v'], msg: 'Input should be in a valid time format, hour value is outside expected range of 0-23', input: '25:00', ctx: { error: 'hour value is outside expected range of 0-23' } },
    ]);
    expect((await detail('/time', '10-30'))[0].msg).toBe('Input should be in a valid time format, invalid time separator, expected `:`');
  });
});

describe('AwareDateTime', () => {
  it('reads a datetime with an offset as a Date', async () => {
    expect(await good('/aware', '2024-05-01T12:00:00+02:00')).toEqual({ v: '2024-05-01T10:00:00.000Z' });
  });

  it('refuses a naive datetime (timezone_aware) and a bad one (datetime_from_date_parsing)', async () => {
    expect(await detail('/aware', '2024-05-01T12:00:00')).toEqual([{ type: 'timezone_aware', loc: ['query', 'v'], msg: 'Input should have timezone info', input: '2024-05-01T12:00:00' }]);
    expect(await detail('/aware', '2024-05-01T25:00:00Z')).toEqual([
      {
        type: 'datetime_from_date_parsing',
        loc: ['query', 'v'],
        msg: 'Input should be a valid datetime or date, unexpected extra characters at the end of the input',
        input: '2024-05-01T25:00:00Z',
        ctx: { error: 'unexpected extra characters at the end of the input' },
      },
    ]);
  });
});

describe('Duration', () => {
  it('reads ISO 8601, HH:MM:SS and a number as seconds', async () => {
    expect(await good('/duration', 'P1DT2H3M4.5S')).toEqual({ seconds: 93_784.5 });
    expect(await good('/duration', '01:30:00')).toEqual({ seconds: 5400 });
    expect(await good('/duration', '-PT1S')).toEqual({ seconds: -1 });
  });

  it("fails as pydantic's timedelta", async () => {
    expect(await detail('/duration', 'P1X')).toEqual([
      { type: 'time_delta_parsing', loc: ['query', 'v'], msg: 'Input should be a valid timedelta, quantity invalid in date part of duration', input: 'P1X', ctx: { error: 'quantity invalid in date part of duration' } },
    ]);
  });
});

describe('Decimal', () => {
  it("keeps the text exact, written as Python's str(Decimal) writes it", async () => {
    expect(await good('/decimal', '0.1')).toEqual({ v: '0.1' });
    expect(await good('/decimal', '1.50')).toEqual({ v: '1.50' });
    expect(await good('/decimal', '12345678901234567890.123456789')).toEqual({ v: '12345678901234567890.123456789' });
    expect(await good('/decimal', '.5')).toEqual({ v: '0.5' });
    expect(await good('/decimal', '1e3')).toEqual({ v: '1E+3' });
  });

  it('fails as decimal_parsing, finite_number, and the max_digits / decimal_places types', async () => {
    expect(await detail('/decimal', 'abc')).toEqual([{ type: 'decimal_parsing', loc: ['query', 'v'], msg: 'Input should be a valid decimal', input: 'abc' }]);
    expect(await detail('/decimal', 'NaN')).toEqual([{ type: 'finite_number', loc: ['query', 'v'], msg: 'Input should be a finite number', input: 'NaN' }]);
    expect(await good('/price', '123.40')).toEqual({ v: '123.40' });
    expect(await good('/price', '123.400')).toEqual({ v: '123.400' });
    expect(await detail('/price', '123456')).toEqual([
      { type: 'decimal_max_digits', loc: ['query', 'v'], msg: 'Decimal input should have no more than 5 digits in total', input: '123456', ctx: { max_digits: 5 } },
    ]);
    expect(await detail('/price', '1.234')).toEqual([
      { type: 'decimal_max_places', loc: ['query', 'v'], msg: 'Decimal input should have no more than 2 decimal places', input: '1.234', ctx: { decimal_places: 2 } },
    ]);
    expect(await detail('/price', '1234.5')).toEqual([
      { type: 'decimal_whole_digits', loc: ['query', 'v'], msg: 'Decimal input should have no more than 3 digits before the decimal point', input: '1234.5', ctx: { whole_digits: 3 } },
    ]);
  });
});

describe('Base64Bytes', () => {
  it('reads base64 as a Buffer', async () => {
    expect(await good('/bytes', 'aGkh')).toEqual({ hex: '686921' });
  });

  it("fails as Python's b64decode does", async () => {
    expect(await detail('/bytes', 'aGk')).toEqual([
      { type: 'base64_decode', loc: ['query', 'v'], msg: "Base64 decoding error: 'Incorrect padding'", input: 'aGk', ctx: { error: 'Incorrect padding' } },
    ]);
    expect((await detail('/bytes', 'aGkhx'))[0].msg).toBe("Base64 decoding error: 'Invalid base64-encoded string: number of data characters (5) cannot be 1 more than a multiple of 4'");
  });
});

const event = {
  id: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
  day: '2024-02-29',
  at: '10:30',
  when: '2024-01-01T01:00:00+01:00',
  length: 'P1DT2H3M4.5S',
  price: '12.50',
  blob: 'aGkh',
};

describe('in a model', () => {
  it('reads each field as its type', async () => {
    const res = await client.post('/events/seen', { json: event });
    expect(res.json()).toEqual({ day: '2024-02-29', when: '2024-01-01T00:00:00.000Z', length: 93_784.5, blob: '686921', price: '12.50' });
  });

  it("sends them as pydantic does: duration as ISO 8601, bytes as base64, Decimal as its text", async () => {
    const sent = { id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', day: '2024-02-29', at: '10:30:00', when: '2024-01-01T00:00:00.000Z', length: 'P1DT2H3M4.5S', price: '12.50', blob: 'aGkh' };
    expect((await client.post('/events', { json: event })).json()).toEqual(sent);
    expect((await client.get('/event')).json()).toEqual(sent);
  });

  it('reports every bad field at its loc with the same entries', async () => {
    const res = await client.post('/events', { json: { id: 'nope', day: '2024-02-30', at: '10:61', when: '2024-01-01T00:00:00', length: 'P1X', price: '1234.5', blob: 'aGk', v4: 'a0eebc99-9c0b-1ef8-bb6d-6bb9bd380a11' } });
    expect(res.status).toBe(422);
    expect(res.json().detail.map((d: { type: string; loc: unknown[] }) => [d.type, d.loc.join('.')])).toEqual([
      ['uuid_parsing', 'body.id'],
      ['date_from_datetime_parsing', 'body.day'],
      ['time_parsing', 'body.at'],
      ['timezone_aware', 'body.when'],
      ['time_delta_parsing', 'body.length'],
      ['decimal_whole_digits', 'body.price'],
      ['base64_decode', 'body.blob'],
      ['uuid_version', 'body.v4'],
    ]);
    expect(res.json().detail[7]).toEqual({ type: 'uuid_version', loc: ['body', 'v4'], msg: 'UUID version 4 expected', input: 'a0eebc99-9c0b-1ef8-bb6d-6bb9bd380a11', ctx: { expected_version: 4 } });
  });

  it("round-trips Decimal text exactly: '0.1' and '0.2' stay themselves, never 0.30000000000000004", async () => {
    const res = await client.post('/events', { json: { ...event, price: '0.1' } });
    expect(res.json().price).toBe('0.1');
    expect(res.text).toContain('"price":"0.1"');
    const res2 = await client.post('/events', { json: { ...event, price: '0.2' } });
    expect(res2.json().price).toBe('0.2');
  });
});

it('types each token as the value a handler reads', () => {
  expectTypeOf<TypeOf<typeof UUID>>().toEqualTypeOf<string>();
  expectTypeOf<TypeOf<typeof DateOnly>>().toEqualTypeOf<string>();
  expectTypeOf<TypeOf<typeof AwareDateTime>>().toEqualTypeOf<Date>();
  expectTypeOf<TypeOf<typeof Duration>>().toEqualTypeOf<number>();
  expectTypeOf<TypeOf<typeof Decimal>>().toEqualTypeOf<string>();
  expectTypeOf<TypeOf<typeof Base64Bytes>>().toEqualTypeOf<Buffer>();
  expectTypeOf<TypeOf<readonly [typeof UUID]>>().toEqualTypeOf<string[]>();
});

describe("a response model's compiled JSON writer", () => {
  class Ref {
    @IsUUID()
    id!: string;
  }

  it('writes a canonical UUID in one pass and leaves any other form to the full path, which canonicalises it', async () => {
    const write = compileJsonWriter(Ref);
    expect(write).toBeDefined();
    expect(write!({ id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' })).toBe('{"id":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}');
    expect(write!({ id: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11' })).toBeUndefined();
    const serialize = responseSerializer(Ref);
    expect(serialize({ id: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11' })).toEqual({ id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' });
  });
});
