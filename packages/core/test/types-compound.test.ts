import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { Equals, IsInt, IsString, Min } from 'class-validator';
import { App, Body, Controller, Duration, Int, IsDiscriminatedUnion, IsDuration, IsRecord, IsUnion, Post, discriminatedUnion, recordOf, unionOf, type TypeOf } from '@fastts/core';
import { LiveTestClient } from '@fastts/testing';

// Records and (discriminated) unions of models (issue 18, item 5), over a
// real socket: the model picked, the values read, and the 422 entries at the
// locations pydantic reports them (a union member's class name or tag).

class Cat {
  @Equals('cat')
  kind!: 'cat';

  @IsInt()
  @Min(0)
  lives!: number;
}

class Dog {
  @Equals('dog')
  kind!: 'dog';

  @IsString()
  bark!: string;
}

class Owner {
  @IsDiscriminatedUnion('kind', { cat: Cat, dog: Dog })
  pet!: Cat | Dog;

  @IsUnion(Cat, Dog)
  other!: Cat | Dog;

  @IsRecord(Int)
  stock!: Record<string, number>;

  @IsRecord(Duration)
  timers!: Record<string, number>;
}

class Timed {
  @IsDuration()
  every!: number;
}

class Schedule {
  @IsRecord(Timed)
  byName!: Record<string, Timed>;
}

@Controller()
class Pets {
  @Post('/owners', { responseModel: Owner })
  owner(@Body() owner: Owner) {
    return { ...owner, picked: [owner.pet.constructor.name, owner.other.constructor.name], timers: new Map(Object.entries(owner.timers)) };
  }

  @Post('/picked')
  picked(@Body() owner: Owner) {
    return { pet: owner.pet.constructor.name, other: owner.other.constructor.name, stock: owner.stock };
  }

  @Post('/pet')
  pet(@Body({ type: discriminatedUnion('kind', { cat: Cat, dog: Dog }) }) pet: Cat | Dog) {
    return { model: pet.constructor.name };
  }

  @Post('/any')
  any(@Body({ type: unionOf(Cat, Dog) }) pet: Cat | Dog) {
    return { model: pet.constructor.name };
  }

  @Post('/counts')
  counts(@Body({ type: recordOf(Int) }) counts: Record<string, number>) {
    return { total: Object.values(counts).reduce((a, b) => a + b, 0) };
  }

  @Post('/timed', { responseModel: Schedule })
  timed(@Body({ type: recordOf(Timed) }) timed: Record<string, Timed>) {
    return { byName: timed };
  }
}

let client: LiveTestClient;
beforeAll(async () => {
  client = await LiveTestClient.start(new App({ logger: false }).include(Pets));
});
afterAll(() => client.close());

const owner = { pet: { kind: 'dog', bark: 'woof' }, other: { kind: 'cat', lives: 9 }, stock: { apples: '3', pears: 4 }, timers: { tea: 'PT3M' } };

describe('discriminated union', () => {
  it('picks the model named by the tag', async () => {
    expect((await client.post('/picked', { json: owner })).json()).toEqual({ pet: 'Dog', other: 'Cat', stock: { apples: 3, pears: 4 } });
    expect((await client.post('/pet', { json: { kind: 'cat', lives: 3 } })).json()).toEqual({ model: 'Cat' });
  });

  it("reports a member's errors under its tag", async () => {
    const res = await client.post('/pet', { json: { kind: 'cat', lives: -1 } });
    expect(res.status).toBe(422);
    expect(res.json().detail).toEqual([{ type: 'greater_than_equal', loc: ['body', 'cat', 'lives'], msg: 'Input should be greater than or equal to 0', input: -1, ctx: { ge: 0 } }]);
    const nested = await client.post('/picked', { json: { ...owner, pet: { kind: 'dog' } } });
    expect(nested.json().detail).toEqual([{ type: 'missing', loc: ['body', 'pet', 'dog', 'bark'], msg: 'Field required', input: { kind: 'dog' } }]);
  });

  it('answers union_tag_invalid and union_tag_not_found', async () => {
    expect((await client.post('/pet', { json: { kind: 'fish' } })).json().detail).toEqual([
      {
        type: 'union_tag_invalid',
        loc: ['body'],
        msg: "Input tag 'fish' found using 'kind' does not match any of the expected tags: 'cat', 'dog'",
        input: { kind: 'fish' },
        ctx: { discriminator: "'kind'", tag: 'fish', expected_tags: "'cat', 'dog'" },
      },
    ]);
    expect((await client.post('/pet', { json: { lives: 1 } })).json().detail).toEqual([
      { type: 'union_tag_not_found', loc: ['body'], msg: "Unable to extract tag using discriminator 'kind'", input: { lives: 1 }, ctx: { discriminator: "'kind'" } },
    ]);
  });
});

describe('union', () => {
  it('takes the first member that validates', async () => {
    expect((await client.post('/any', { json: { kind: 'dog', bark: 'woof' } })).json()).toEqual({ model: 'Dog' });
  });

  it("reports every member's errors under its class name", async () => {
    const res = await client.post('/any', { json: { kind: 'cat' } });
    expect(res.status).toBe(422);
    expect(res.json().detail).toEqual([
      { type: 'missing', loc: ['body', 'Cat', 'lives'], msg: 'Field required', input: { kind: 'cat' } },
      { type: 'value_error', loc: ['body', 'Dog', 'kind'], msg: 'Value error, kind must be equal to dog', input: 'cat', ctx: { error: 'kind must be equal to dog', constraint: 'equals' } },
      { type: 'missing', loc: ['body', 'Dog', 'bark'], msg: 'Field required', input: { kind: 'cat' } },
    ]);
  });
});

describe('record', () => {
  it('reads each value as its type, at its key', async () => {
    expect((await client.post('/counts', { json: { a: 1, b: '2' } })).json()).toEqual({ total: 3 });
    const res = await client.post('/counts', { json: { a: 1, b: 'two' } });
    expect(res.json().detail).toEqual([{ type: 'int_parsing', loc: ['body', 'b'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'two' }]);
    expect((await client.post('/counts', { json: [1] })).json().detail).toEqual([{ type: 'dict_type', loc: ['body'], msg: 'Input should be a valid dictionary', input: [1] }]);
  });

  it('sends a Map as an object, and models inside a record with their types', async () => {
    const res = await client.post('/owners', { json: owner });
    expect(res.json()).toEqual({ pet: { kind: 'dog', bark: 'woof' }, other: { kind: 'cat', lives: 9 }, stock: { apples: 3, pears: 4 }, timers: { tea: 'PT3M' } });
    expect((await client.post('/timed', { json: { a: { every: 90 } } })).json()).toEqual({ byName: { a: { every: 'PT1M30S' } } });
  });
});

it('types the compound tokens', () => {
  expectTypeOf<TypeOf<ReturnType<typeof recordOf<typeof Int>>>>().toEqualTypeOf<Record<string, number>>();
  expectTypeOf<TypeOf<ReturnType<typeof unionOf<[typeof Cat, typeof Dog]>>>>().toEqualTypeOf<Cat | Dog>();
});
