import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Equals, IsInt, IsOptional, IsString, IsUUID } from 'class-validator';
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
  Int,
  Path,
  IsBase64Bytes,
  IsDateOnly,
  IsDecimalText,
  IsDiscriminatedUnion,
  IsDuration,
  IsRecord,
  IsTime,
  IsTimezoneAware,
  IsUnion,
  Post,
  Query,
  Time,
  UUID,
  unionOf,
} from '@fastts/core';
import { serveDocs } from '@fastts/openapi';
import { LiveTestClient } from '@fastts/testing';
import { expectValidOpenAPI } from './validate.js';

// More types (issue 18, item 5) in /openapi.json, as FastAPI writes them
// (pydantic 2's validation-mode schemas): formats for UUID, date, time,
// date-time, duration and base64; Decimal as number or pattern-checked text;
// records as additionalProperties; unions as anyOf, discriminated ones as
// oneOf with a discriminator and its mapping.

class Cat {
  @Equals('cat')
  kind!: 'cat';

  @IsInt()
  lives!: number;
}

class Dog {
  @Equals('dog')
  kind!: 'dog';

  @IsString()
  bark!: string;
}

class Everything {
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

  @IsDecimalText()
  amount!: string;

  @IsOptional()
  @IsDecimalText({ maxDigits: 17, decimalPlaces: 12 })
  rate?: string;

  @IsBase64Bytes()
  blob!: Buffer;

  @IsRecord(Int)
  stock!: Record<string, number>;

  @IsDiscriminatedUnion('kind', { cat: Cat, dog: Dog })
  pet!: Cat | Dog;

  @IsUnion(Cat, Dog)
  other!: Cat | Dog;
}

class Ticket {
  @IsUnion(Int, String)
  id!: number | string;

  @IsOptional()
  @IsUnion(Int, Boolean, UUID)
  flag?: number | boolean | string;
}

@Controller()
class Types {
  @Get('/union/{key}')
  union(@Path('key', { type: unionOf(Int, UUID) }) key: number | string, @Query('q', { type: unionOf(Int, String) }) q: number | string) {
    return { key, q };
  }

  @Post('/tickets')
  ticket(@Body() ticket: Ticket) {
    return ticket.id;
  }

  @Get('/params')
  params(
    @Query('id', { type: UUID }) id: string,
    @Query('day', { type: DateOnly }) day: string,
    @Query('at', { type: Time }) at: string,
    @Query('when', { type: AwareDateTime }) when: Date,
    @Query('length', { type: Duration }) length: number,
    @Query('amount', { type: Decimal }) amount: string,
    @Query('price', { type: DecimalOf({ maxDigits: 5, decimalPlaces: 2 }) }) price: string,
    @Query('blob', { type: Base64Bytes }) blob: Buffer,
  ) {
    return { id, day, at, when, length, amount, price, blob: blob.length };
  }

  @Post('/everything')
  everything(@Body() body: Everything) {
    return body.id;
  }
}

let client: LiveTestClient;
let doc: any;
beforeAll(async () => {
  const app = new App({ logger: false }).include(Types);
  serveDocs(app);
  client = await LiveTestClient.start(app);
  doc = (await client.get('/openapi.json')).json();
});
afterAll(() => client.close());

const DECIMAL = { anyOf: [{ type: 'number' }, { type: 'string', pattern: '^(?!^[-+.]*$)[+-]?0*\\d*\\.?\\d*$' }] };

describe('parameters', () => {
  it('have the schemas pydantic writes for the types', () => {
    const schemas = Object.fromEntries(doc.paths['/params'].get.parameters.map((p: { name: string; schema: object }) => [p.name, p.schema]));
    expect(schemas).toEqual({
      id: { type: 'string', format: 'uuid', title: 'Id' },
      day: { type: 'string', format: 'date', title: 'Day' },
      at: { type: 'string', format: 'time', title: 'At' },
      when: { type: 'string', format: 'date-time', title: 'When' },
      length: { type: 'string', format: 'duration', title: 'Length' },
      amount: { ...DECIMAL, title: 'Amount' },
      price: { anyOf: [{ type: 'number' }, { type: 'string', pattern: '^(?!^[-+.]*$)[+-]?0*(?:\\d{0,3}|(?=[\\d.]{1,6}0*$)\\d{0,3}\\.\\d{0,2}0*$)' }], title: 'Price' },
      blob: { type: 'string', format: 'base64', title: 'Blob' },
    });
  });
});

describe('unions of scalars', () => {
  it('are anyOf the members, as pydantic writes `int | str`', () => {
    const schemas = Object.fromEntries(doc.paths['/union/{key}'].get.parameters.map((p: { name: string; schema: object }) => [p.name, p.schema]));
    expect(schemas).toEqual({
      key: { anyOf: [{ type: 'integer' }, { type: 'string', format: 'uuid' }], title: 'Key' },
      q: { anyOf: [{ type: 'integer' }, { type: 'string' }], title: 'Q' },
    });
    expect(doc.components.schemas.Ticket.properties).toEqual({
      id: { anyOf: [{ type: 'integer' }, { type: 'string' }], title: 'Id' },
      // `flag: int | bool | UUID | None = None`: the null joins the anyOf.
      flag: { anyOf: [{ type: 'integer' }, { type: 'boolean' }, { type: 'string', format: 'uuid' }, { type: 'null' }], title: 'Flag' },
    });
  });
});

describe('a model', () => {
  it('has each field as pydantic writes it', async () => {
    const properties = doc.components.schemas.Everything.properties;
    expect(properties).toEqual({
      id: { type: 'string', format: 'uuid', title: 'Id' },
      day: { type: 'string', format: 'date', title: 'Day' },
      at: { type: 'string', format: 'time', title: 'At' },
      when: { type: 'string', format: 'date-time', title: 'When' },
      length: { type: 'string', format: 'duration', title: 'Length' },
      amount: { ...DECIMAL, title: 'Amount' },
      // FastAPI's `Optional[condecimal(max_digits=17, decimal_places=12)]`: the null joins the anyOf.
      rate: {
        anyOf: [{ type: 'number' }, { type: 'string', pattern: '^(?!^[-+.]*$)[+-]?0*(?:\\d{0,5}|(?=[\\d.]{1,18}0*$)\\d{0,5}\\.\\d{0,12}0*$)' }, { type: 'null' }],
        title: 'Rate',
      },
      blob: { type: 'string', format: 'base64', title: 'Blob' },
      stock: { type: 'object', additionalProperties: { type: 'integer' }, title: 'Stock' },
      pet: {
        oneOf: [{ $ref: '#/components/schemas/Cat' }, { $ref: '#/components/schemas/Dog' }],
        discriminator: { propertyName: 'kind', mapping: { cat: '#/components/schemas/Cat', dog: '#/components/schemas/Dog' } },
        title: 'Pet',
      },
      other: { anyOf: [{ $ref: '#/components/schemas/Cat' }, { $ref: '#/components/schemas/Dog' }], title: 'Other' },
    });
    expect(doc.components.schemas.Everything.required).toEqual(['id', 'day', 'at', 'when', 'length', 'amount', 'blob', 'stock', 'pet', 'other']);
    expect(doc.components.schemas.Cat.properties.kind).toEqual({ type: 'string', const: 'cat', title: 'Kind' });
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    await expectValidOpenAPI(doc);
  });
});
