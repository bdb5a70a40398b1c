import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from 'class-transformer';
import { IsDate, IsOptional } from 'class-validator';
import { App, Body, Controller, Get, Post, Query } from '@fastts/core';
import { LiveTestClient } from '@fastts/testing';

// A plain `Date` reads as pydantic's `datetime` (naive or aware): the same
// parser, error types, messages and ctx as the AwareDateTime token, in a model
// field and in a named parameter, over a real socket.

class Meeting {
  @IsDate()
  @Type(() => Date)
  when!: Date;

  // No type decorator: the emitted design type, Date, decides.
  @IsOptional()
  until?: Date;
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v);

@Controller()
class Dates {
  @Post('/meetings')
  meeting(@Body() m: Meeting) {
    return { when: iso(m.when), until: iso(m.until ?? null) };
  }

  @Get('/at')
  at(@Query('v', { type: Date }) v: Date) {
    return { v: iso(v) };
  }

  @Get('/since')
  since(@Query('v') v: Date) {
    return { v: iso(v) };
  }

  @Get('/days')
  days(@Query('v', { type: [Date] }) v: Date[]) {
    return { v: v.map(iso) };
  }
}

let client: LiveTestClient;
beforeAll(async () => {
  client = await LiveTestClient.start(new App({ logger: false }).include(Dates));
});
afterAll(() => client.close());

async function query(path: string, v: string | string[]) {
  const res = await client.get(path, { query: { v } });
  return { status: res.status, body: res.json() };
}

async function body(json: unknown) {
  const res = await client.post('/meetings', { json });
  return { status: res.status, body: res.json() };
}

const parsing = (loc: (string | number)[], input: unknown, error: string) => ({
  type: 'datetime_from_date_parsing',
  loc,
  msg: `Input should be a valid datetime or date, ${error}`,
  input,
  ctx: { error },
});

describe('Date as a query parameter', () => {
  for (const path of ['/at', '/since']) {
    it(`${path}: reads ISO 8601 text, naive as UTC, and a date at midnight`, async () => {
      expect(await query(path, '2024-01-02T03:04:05+02:00')).toEqual({ status: 200, body: { v: '2024-01-02T01:04:05.000Z' } });
      expect(await query(path, '2024-01-02T03:04:05.123456')).toEqual({ status: 200, body: { v: '2024-01-02T03:04:05.123Z' } });
      expect(await query(path, '2024-01-02')).toEqual({ status: 200, body: { v: '2024-01-02T00:00:00.000Z' } });
    });

    it(`${path}: reads a timestamp in seconds, or in milliseconds beyond 2e10`, async () => {
      expect(await query(path, '1700000000')).toEqual({ status: 200, body: { v: '2023-11-14T22:13:20.000Z' } });
      expect(await query(path, '1700000000123')).toEqual({ status: 200, body: { v: '2023-11-14T22:13:20.123Z' } });
    });

    it(`${path}: a bad text is datetime_from_date_parsing with the parser's reason`, async () => {
      expect(await query(path, 'yesterday')).toEqual({ status: 422, body: { detail: [parsing(['query', 'v'], 'yesterday', 'input is too short')] } });
      expect(await query(path, 'next tuesday')).toEqual({ status: 422, body: { detail: [parsing(['query', 'v'], 'next tuesday', 'invalid character in year')] } });
      expect(await query(path, '2024-02-30')).toEqual({ status: 422, body: { detail: [parsing(['query', 'v'], '2024-02-30', 'day value is outside expected range')] } });
      expect(await query(path, '2024-01-02T24:00:00Z')).toEqual({
        status: 422,
        body: { detail: [parsing(['query', 'v'], '2024-01-02T24:00:00Z', 'unexpected extra characters at the end of the input')] },
      });
      // Surrounding spaces are not trimmed, as pydantic does not trim them.
      expect(await query(path, ' 2024-01-02')).toEqual({ status: 422, body: { detail: [parsing(['query', 'v'], ' 2024-01-02', 'invalid character in year')] } });
      expect(await query(path, '100000000000000000')).toEqual({
        status: 422,
        body: { detail: [parsing(['query', 'v'], '100000000000000000', 'dates after 9999 are not supported as unix timestamps')] },
      });
    });
  }

  it('a list reports each bad item at its index', async () => {
    expect(await query('/days', ['2024-01-02', '2024-13-01'])).toEqual({
      status: 422,
      body: { detail: [parsing(['query', 'v', 1], '2024-13-01', 'month value is outside expected range of 1-12')] },
    });
  });
});

describe('Date as a model field', () => {
  it('reads ISO 8601 text and a JSON timestamp', async () => {
    expect(await body({ when: '2024-01-02T03:04:05Z', until: '2024-01-03' })).toEqual({ status: 200, body: { when: '2024-01-02T03:04:05.000Z', until: '2024-01-03T00:00:00.000Z' } });
    expect(await body({ when: 1700000000 })).toEqual({ status: 200, body: { when: '2023-11-14T22:13:20.000Z', until: null } });
    expect(await body({ when: 1700000000123 })).toEqual({ status: 200, body: { when: '2023-11-14T22:13:20.123Z', until: null } });
    expect(await body({ when: 1700000000.5 })).toEqual({ status: 200, body: { when: '2023-11-14T22:13:20.500Z', until: null } });
  });

  it('a bad text is datetime_from_date_parsing, another JSON value datetime_type', async () => {
    expect(await body({ when: 'yesterday', until: '2024-02-30' })).toEqual({
      status: 422,
      body: { detail: [parsing(['body', 'when'], 'yesterday', 'input is too short'), parsing(['body', 'until'], '2024-02-30', 'day value is outside expected range')] },
    });
    expect(await body({ when: true, until: { day: 1 } })).toEqual({
      status: 422,
      body: {
        detail: [
          { type: 'datetime_type', loc: ['body', 'when'], msg: 'Input should be a valid datetime', input: true },
          { type: 'datetime_type', loc: ['body', 'until'], msg: 'Input should be a valid datetime', input: { day: 1 } },
        ],
      },
    });
  });

  it('a timestamp outside the years 0000-9999 is datetime_parsing; year 0 too', async () => {
    const datetimeParsing = (input: unknown, error: string) => ({ type: 'datetime_parsing', loc: ['body', 'when'], msg: `Input should be a valid datetime, ${error}`, input, ctx: { error } });
    expect(await body({ when: 253_402_300_800_000 })).toEqual({ status: 422, body: { detail: [datetimeParsing(253_402_300_800_000, 'dates after 9999 are not supported as unix timestamps')] } });
    expect(await body({ when: -80_000_000_000_000 })).toEqual({ status: 422, body: { detail: [datetimeParsing(-80_000_000_000_000, 'dates before 0000 are not supported as unix timestamps')] } });
    expect(await body({ when: '0000-12-31T23:59:59Z' })).toEqual({ status: 422, body: { detail: [datetimeParsing('0000-12-31T23:59:59Z', 'year 0 is out of range')] } });
  });
});
