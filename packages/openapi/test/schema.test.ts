import { Exclude, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDate,
  IsEmail,
  IsEnum,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { Model } from '@fastts/core';
import { SchemaRegistry } from '@fastts/openapi';
import { describe, expect, it } from 'vitest';

// Schemas come from the metadata fastts validates with (describeModel), so
// what a 422 enforces is what the document says.

const componentsOf = (cls: Function) => {
  const registry = new SchemaRegistry();
  const ref = registry.typeSchema(cls);
  return { ref, schemas: registry.components() };
};

const schemaOf = (cls: Function) => componentsOf(cls).schemas[cls.name]!;

enum Color {
  Red = 'red',
  Green = 'green',
}

enum Level {
  Low = 1,
  High = 2,
}

class Scalars {
  @IsString()
  name!: string;

  @IsNumber()
  price!: number;

  @IsInt()
  count!: number;

  @IsBoolean()
  active!: boolean;

  @IsDate()
  created!: Date;
}

describe('schemas from class-validator models', () => {
  it('maps types: string, number, integer (Int vs Number), boolean, date-time', () => {
    expect(schemaOf(Scalars)).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string', title: 'Name' },
        price: { type: 'number', title: 'Price' },
        count: { type: 'integer', title: 'Count' },
        active: { type: 'boolean', title: 'Active' },
        created: { type: 'string', format: 'date-time', title: 'Created' },
      },
      required: ['name', 'price', 'count', 'active', 'created'],
      title: 'Scalars',
    });
  });

  it('maps limits: minimum/maximum, exclusiveMinimum, lengths, item counts, pattern, formats', () => {
    class Limits {
      @IsInt()
      @Min(1)
      @Max(10)
      size!: number;

      @IsNumber()
      @IsPositive()
      price!: number;

      @IsString()
      @MinLength(2)
      @MaxLength(20)
      name!: string;

      @IsString()
      @Length(3, 8)
      code!: string;

      @IsString()
      @IsNotEmpty()
      note!: string;

      @IsString()
      @Matches(/^[a-z]+$/)
      slug!: string;

      @IsString()
      @Matches(/^[a-z]+$/i)
      caseless!: string;

      @IsEmail()
      email!: string;

      @IsUUID()
      id!: string;

      @IsArray()
      @IsString({ each: true })
      @ArrayMinSize(1)
      @ArrayMaxSize(3)
      tags!: string[];

      @IsArray()
      @IsInt({ each: true })
      @Min(0, { each: true })
      scores!: number[];
    }
    expect(schemaOf(Limits).properties).toEqual({
      size: { type: 'integer', minimum: 1, maximum: 10, title: 'Size' },
      price: { type: 'number', exclusiveMinimum: 0, title: 'Price' },
      name: { type: 'string', minLength: 2, maxLength: 20, title: 'Name' },
      code: { type: 'string', minLength: 3, maxLength: 8, title: 'Code' },
      note: { type: 'string', minLength: 1, title: 'Note' },
      slug: { type: 'string', pattern: '^[a-z]+$', title: 'Slug' },
      // A case-insensitive pattern cannot be said in JSON Schema; the document does not claim a stricter one.
      caseless: { type: 'string', title: 'Caseless' },
      email: { type: 'string', format: 'email', title: 'Email' },
      id: { type: 'string', format: 'uuid', title: 'Id' },
      tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 3, title: 'Tags' },
      scores: { type: 'array', items: { type: 'integer', minimum: 0 }, title: 'Scores' },
    });
  });

  it('maps enums and isIn to enum, keeping the values of numeric enums', () => {
    class Choice {
      @IsEnum(Color)
      color!: Color;

      @IsEnum(Level)
      level!: Level;

      @IsIn(['a', 'b'])
      letter!: string;
    }
    expect(schemaOf(Choice).properties).toEqual({
      color: { type: 'string', enum: ['red', 'green'], title: 'Color' },
      level: { type: 'number', enum: [1, 2], title: 'Level' },
      letter: { type: 'string', enum: ['a', 'b'], title: 'Letter' },
    });
  });

  it('leaves optional fields out of required, admits null for them, and shows initial values as defaults', () => {
    class Filters {
      @IsOptional()
      @IsInt()
      @Min(0)
      skip = 0;

      @IsOptional()
      @IsString()
      q?: string;

      @IsString()
      kind!: string;
    }
    expect(schemaOf(Filters)).toEqual({
      type: 'object',
      properties: {
        skip: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'null' }], title: 'Skip', default: 0 },
        q: { anyOf: [{ type: 'string' }, { type: 'null' }], title: 'Q' },
        kind: { type: 'string', title: 'Kind' },
      },
      required: ['kind'],
      title: 'Filters',
    });
  });

  it('refers to nested models and lists of them by $ref, one component per class', () => {
    class Address {
      @IsString()
      city!: string;
    }
    class Person {
      @ValidateNested()
      @Type(() => Address)
      home!: Address;

      @IsArray()
      @ValidateNested({ each: true })
      @Type(() => Address)
      others!: Address[];
    }
    const { ref, schemas } = componentsOf(Person);
    expect(ref).toEqual({ $ref: '#/components/schemas/Person' });
    expect(Object.keys(schemas)).toEqual(['Address', 'Person']);
    expect(schemas['Person']!.properties).toEqual({
      home: { $ref: '#/components/schemas/Address', title: 'Home' },
      others: { type: 'array', items: { $ref: '#/components/schemas/Address' }, title: 'Others' },
    });
    expect(schemas['Address']).toEqual({ type: 'object', properties: { city: { type: 'string', title: 'City' } }, required: ['city'], title: 'Address' });
  });

  it('terminates on a model that contains itself', () => {
    class Node {
      @IsString()
      name!: string;

      @IsOptional()
      @IsArray()
      @ValidateNested({ each: true })
      @Type(() => Node)
      children?: Node[];
    }
    expect(schemaOf(Node).properties).toMatchObject({
      children: { anyOf: [{ type: 'array', items: { $ref: '#/components/schemas/Node' } }, { type: 'null' }] },
    });
  });

  it('forbids extra properties for @Model({ extra: "forbid" })', () => {
    @Model({ extra: 'forbid' })
    class Strict {
      @IsString()
      name!: string;
    }
    expect(schemaOf(Strict)).toMatchObject({ additionalProperties: false });
  });

  it('gives two classes of one name distinct component names', () => {
    const make = () => {
      class Item {
        @IsString()
        name!: string;
      }
      return Item;
    };
    const registry = new SchemaRegistry();
    expect([registry.typeSchema(make()), registry.typeSchema(make())]).toEqual([
      { $ref: '#/components/schemas/Item' },
      { $ref: '#/components/schemas/Item2' },
    ]);
  });

  it('gives the same schema whatever order the decorators are written in', () => {
    class Written {
      @IsOptional()
      @IsInt()
      @Min(1)
      @Max(9)
      @IsPositive()
      size?: number;

      @IsString()
      @IsNotEmpty()
      @MinLength(2)
      @Length(3, 30)
      @MaxLength(20)
      @Matches(/^[a-z]+$/)
      @IsEmail()
      name!: string;

      @IsArray()
      @ArrayMinSize(1)
      @ArrayMaxSize(5)
      @IsInt({ each: true })
      @Min(0, { each: true })
      ids!: number[];

      @IsIn(['a', 'b', 'c'])
      @IsIn(['c', 'b'])
      letter!: string;
    }
    class Reversed {
      @Max(9)
      @IsPositive()
      @Min(1)
      @IsInt()
      @IsOptional()
      size?: number;

      @IsEmail()
      @Matches(/^[a-z]+$/)
      @MaxLength(20)
      @Length(3, 30)
      @MinLength(2)
      @IsNotEmpty()
      @IsString()
      name!: string;

      @Min(0, { each: true })
      @IsInt({ each: true })
      @ArrayMaxSize(5)
      @ArrayMinSize(1)
      @IsArray()
      ids!: number[];

      @IsIn(['c', 'b'])
      @IsIn(['a', 'b', 'c'])
      letter!: string;
    }
    const { title: _a, ...written } = schemaOf(Written);
    const { title: _b, ...reversed } = schemaOf(Reversed);
    expect(JSON.stringify(reversed)).toBe(JSON.stringify(written));
    expect(written['properties']).toEqual({
      size: { anyOf: [{ type: 'integer', minimum: 1, exclusiveMinimum: 0, maximum: 9 }, { type: 'null' }], title: 'Size' },
      name: { type: 'string', format: 'email', minLength: 3, maxLength: 20, pattern: '^[a-z]+$', title: 'Name' },
      ids: { type: 'array', items: { type: 'integer', minimum: 0 }, minItems: 1, maxItems: 5, title: 'Ids' },
      letter: { type: 'string', enum: ['b', 'c'], title: 'Letter' },
    });
  });

  // describeModel resolves the type of a field with both @IsNumber and @IsInt
  // by decorator order (the last registered wins), and validation follows it:
  // `@IsNumber() @IsInt()` accepts 1.5. Marked as failing until core picks Int
  // (the stricter) in either order; then this test fails and the mark goes.
  it('@IsNumber() with @IsInt() is an integer in either order', () => {
    class NumberFirst {
      @IsNumber()
      @IsInt()
      n!: number;
    }
    class IntFirst {
      @IsInt()
      @IsNumber()
      n!: number;
    }
    expect(schemaOf(NumberFirst).properties).toEqual(schemaOf(IntFirst).properties);
  });

  it('marks @Exclude() fields writeOnly: read from requests, never sent back', () => {
    class Account {
      @IsString()
      name!: string;

      @Exclude()
      @IsString()
      password!: string;
    }
    expect(schemaOf(Account).properties).toMatchObject({ name: { type: 'string' }, password: { type: 'string', writeOnly: true } });
    expect((schemaOf(Account).properties as Record<string, object>)['name']).not.toHaveProperty('writeOnly');
  });
});
