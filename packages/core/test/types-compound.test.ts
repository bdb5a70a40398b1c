import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { Type } from 'class-transformer';
import { Equals, IsInt, IsObject, IsOptional, IsString, Min, Validate, ValidateNested, ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';
import { App, Body, Controller, Duration, Get, Int, IsDiscriminatedUnion, IsDuration, IsRecord, IsUnion, Path, Post, Query, UUID, discriminatedUnion, recordOf, unionOf, type TypeOf } from '@fastts/core';
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

// A class-validator async constraint: the name must be a known user's.
@ValidatorConstraint({ name: 'isKnownUser', async: true })
class KnownUser implements ValidatorConstraintInterface {
  async validate(value: unknown) {
    return (await Promise.resolve(['ann', 'bob'])).includes(value as string);
  }
  defaultMessage() {
    return 'unknown user';
  }
}

class Person {
  @IsString()
  @Validate(KnownUser)
  user!: string;
}

class Team {
  @IsString()
  team!: string;
}

class Visit {
  @IsUnion(Person, Team)
  who!: Person | Team;
}

class Meeting {
  @IsString()
  room!: string;

  @IsUnion(Person, Team)
  who!: Person | Team;

  @IsInt()
  seats!: number;
}

class Ticket {
  @IsUnion(Int, String)
  id!: number | string;

  @IsUnion(Number, Boolean)
  score!: number | boolean;
}

class Timer {
  @IsUnion(Duration, String)
  every!: number | string;
}

class Timed {
  @IsDuration()
  every!: number;
}

class Schedule {
  @IsRecord(Timed)
  byName!: Record<string, Timed>;
}

// pydantic's smart mode for a union of models (2.8 and later): the member
// with the most fields set wins, then the more exact match, then the leftmost.
class Contact {
  @IsString()
  name!: string;
}

class Email {
  @IsString()
  name!: string;

  @IsString()
  email!: string;
}

class Login {
  @IsString()
  name!: string;

  @IsString()
  email!: string;

  @IsOptional()
  @IsString()
  password?: string;
}

class Corner {
  @IsInt()
  p!: number;

  @IsInt()
  q!: number;
}

class Loose {
  @IsObject()
  at!: object;
}

class Placed {
  @ValidateNested()
  @Type(() => Corner)
  at!: Corner;
}

class Note {
  @IsObject()
  who!: object;
}

class Addressed {
  @IsUnion(Contact, Email)
  who!: Contact | Email;
}

class ByNumber {
  @IsInt()
  id!: number;
}

class ByText {
  @IsString()
  id!: string;
}

class Counted {
  @IsInt()
  id!: number;

  @IsInt()
  n!: number;
}

class Staff {
  @IsString()
  user!: string;

  @IsString()
  role!: string;
}

// Counts how often the second member of /watched is tried.
let watchedChecks = 0;

@ValidatorConstraint({ name: 'watched' })
class CountsCalls implements ValidatorConstraintInterface {
  validate() {
    watchedChecks++;
    return true;
  }
}

class Point {
  @IsInt()
  x!: number;

  @IsInt()
  y!: number;
}

class Watched {
  @IsInt()
  @Validate(CountsCalls)
  x!: number;

  @IsInt()
  y!: number;
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

  @Post('/who')
  who(@Body({ type: unionOf(Person, Team) }) who: Person | Team) {
    return { model: who.constructor.name, who };
  }

  @Post('/visit')
  visit(@Body() visit: Visit) {
    return { model: visit.who.constructor.name };
  }

  @Post('/tickets')
  ticket(@Body() ticket: Ticket) {
    return { id: ticket.id, score: ticket.score };
  }

  @Post('/timers', { responseModel: Timer })
  timer(@Body() timer: Timer) {
    return timer;
  }

  @Get('/search')
  search(@Query('q', { type: unionOf(Int, String) }) q: number | string, @Query('flag', { type: unionOf(Int, Boolean), optional: true }) flag?: number | boolean) {
    return { q, flag: flag ?? null };
  }

  @Get('/lookup/{key}')
  lookup(@Path('key', { type: unionOf(Int, UUID) }) key: number | string) {
    return { key };
  }

  @Post('/meeting')
  meeting(@Body() meeting: Meeting) {
    return { model: meeting.who.constructor.name, seats: meeting.seats };
  }

  @Post('/signup')
  signup(@Body({ type: unionOf(Contact, Email, Login) }) who: Contact | Email | Login) {
    return { model: who.constructor.name };
  }

  @Post('/place')
  place(@Body({ type: unionOf(Loose, Placed) }) place: Loose | Placed) {
    return { model: place.constructor.name };
  }

  @Post('/note')
  note(@Body({ type: unionOf(Note, Addressed) }) note: Note | Addressed) {
    return { model: note.constructor.name, who: note.who.constructor.name };
  }

  @Post('/by')
  by(@Body({ type: unionOf(ByNumber, ByText, Counted) }) by: ByNumber | ByText | Counted) {
    return { model: by.constructor.name, by };
  }

  @Post('/staff')
  staff(@Body({ type: unionOf(Person, Staff) }) who: Person | Staff) {
    return { model: who.constructor.name };
  }

  @Post('/watched')
  watched(@Body({ type: unionOf(Point, Watched) }) point: Point | Watched) {
    return { model: point.constructor.name };
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
    // The tag decides, not the fields set: no smart-mode scoring here.
    expect((await client.post('/pet', { json: { kind: 'cat', lives: 3, bark: 'woof' } })).json()).toEqual({ model: 'Cat' });
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

describe("union of models, as pydantic's smart mode picks", () => {
  it('takes the member with the most fields set, the leftmost of a tie', async () => {
    expect((await client.post('/signup', { json: { name: 'ann' } })).json()).toEqual({ model: 'Contact' });
    // Contact validates first, but Email and Login set two fields: Email, the leftmost of them.
    expect((await client.post('/signup', { json: { name: 'ann', email: 'a@x.io' } })).json()).toEqual({ model: 'Email' });
    expect((await client.post('/signup', { json: { name: 'ann', email: 'a@x.io', password: 's3cret' } })).json()).toEqual({ model: 'Login' });
  });

  it("counts a nested model's fields", async () => {
    expect((await client.post('/place', { json: { at: { p: 1, q: 2 } } })).json()).toEqual({ model: 'Placed' });
    expect((await client.post('/place', { json: { at: { p: 1 } } })).json()).toEqual({ model: 'Loose' });
    // A nested union adds its choice's fields: Addressed sets who, and Email two more.
    expect((await client.post('/note', { json: { who: { name: 'ann', email: 'a@x.io' } } })).json()).toEqual({ model: 'Addressed', who: 'Email' });
  });

  it('prefers, among as many fields set, the member that needed no conversion', async () => {
    // ByNumber reads "7" by converting it (pydantic's lax match); ByText takes it as it is.
    expect((await client.post('/by', { json: { id: '7' } })).json()).toEqual({ model: 'ByText', by: { id: '7' } });
    expect((await client.post('/by', { json: { id: 7 } })).json()).toEqual({ model: 'ByNumber', by: { id: 7 } });
    // More fields set outweigh exactness: Counted converts both, and sets two.
    expect((await client.post('/by', { json: { id: '7', n: '2' } })).json()).toEqual({ model: 'Counted', by: { id: 7, n: 2 } });
  });

  it('chooses the same way when a member is awaited', async () => {
    expect((await client.post('/staff', { json: { user: 'ann', role: 'admin' } })).json()).toEqual({ model: 'Staff' });
    expect((await client.post('/staff', { json: { user: 'ann' } })).json()).toEqual({ model: 'Person' });
  });

  it('tries no further member once one sets a field for every key of the input', async () => {
    watchedChecks = 0;
    expect((await client.post('/watched', { json: { x: 1, y: 2 } })).json()).toEqual({ model: 'Point' });
    expect(watchedChecks).toBe(0);
    // z is no field of Point: Watched is tried, sets as many fields, and the leftmost stays.
    expect((await client.post('/watched', { json: { x: 1, y: 2, z: 3 } })).json()).toEqual({ model: 'Point' });
    expect(watchedChecks).toBe(1);
  });
});

describe('union with an async member', () => {
  it('awaits the member and takes the first that validates', async () => {
    expect((await client.post('/who', { json: { user: 'ann' } })).json()).toEqual({ model: 'Person', who: { user: 'ann' } });
    expect((await client.post('/who', { json: { team: 'red' } })).json()).toEqual({ model: 'Team', who: { team: 'red' } });
    expect((await client.post('/visit', { json: { who: { user: 'bob' } } })).json()).toEqual({ model: 'Person' });
  });

  it("reports every member's errors under its class name, as the sync path does", async () => {
    const res = await client.post('/who', { json: { user: 'eve' } });
    expect(res.status).toBe(422);
    expect(res.json().detail).toEqual([
      { type: 'value_error', loc: ['body', 'Person', 'user'], msg: 'Value error, unknown user', input: 'eve', ctx: { error: 'unknown user', constraint: 'isKnownUser' } },
      { type: 'missing', loc: ['body', 'Team', 'team'], msg: 'Field required', input: { user: 'eve' } },
    ]);
    const nested = await client.post('/visit', { json: { who: { user: 'eve' } } });
    expect(nested.status).toBe(422);
    expect(nested.json().detail).toEqual([
      { type: 'value_error', loc: ['body', 'who', 'Person', 'user'], msg: 'Value error, unknown user', input: 'eve', ctx: { error: 'unknown user', constraint: 'isKnownUser' } },
      { type: 'missing', loc: ['body', 'who', 'Team', 'team'], msg: 'Field required', input: { user: 'eve' } },
    ]);
  });

  it("keeps the fields' order of errors around the awaited field", async () => {
    expect((await client.post('/meeting', { json: { room: 'a', who: { user: 'ann' }, seats: '4' } })).json()).toEqual({ model: 'Person', seats: 4 });
    const res = await client.post('/meeting', { json: { room: 1, who: { user: 'eve' }, seats: 'x' } });
    expect(res.status).toBe(422);
    expect(res.json().detail).toEqual([
      { type: 'string_type', loc: ['body', 'room'], msg: 'Input should be a valid string', input: 1 },
      { type: 'value_error', loc: ['body', 'who', 'Person', 'user'], msg: 'Value error, unknown user', input: 'eve', ctx: { error: 'unknown user', constraint: 'isKnownUser' } },
      { type: 'missing', loc: ['body', 'who', 'Team', 'team'], msg: 'Field required', input: { user: 'eve' } },
      { type: 'int_parsing', loc: ['body', 'seats'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'x' },
    ]);
  });
});

describe('union of scalars', () => {
  it("keeps a body value's own type: an int stays an int, text stays text (pydantic's exact match)", async () => {
    expect((await client.post('/tickets', { json: { id: 123, score: 2.5 } })).json()).toEqual({ id: 123, score: 2.5 });
    expect((await client.post('/tickets', { json: { id: '123', score: true } })).json()).toEqual({ id: '123', score: true });
    // No exact match: the leftmost that converts wins ("1" is a float before a bool).
    expect((await client.post('/tickets', { json: { id: 'abc', score: '1' } })).json()).toEqual({ id: 'abc', score: 1 });
  });

  it('sends a member that has its own JSON form in it (seconds as ISO 8601), text as text', async () => {
    expect((await client.post('/timers', { json: { every: 90 } })).json()).toEqual({ every: 'PT1M30S' });
    expect((await client.post('/timers', { json: { every: 'PT1M' } })).json()).toEqual({ every: 'PT1M' });
  });

  it("reports each member's error under its pydantic name", async () => {
    const res = await client.post('/tickets', { json: { id: 1.5, score: 'x' } });
    expect(res.status).toBe(422);
    expect(res.json().detail).toEqual([
      { type: 'int_from_float', loc: ['body', 'id', 'int'], msg: 'Input should be a valid integer, got a number with a fractional part', input: 1.5 },
      { type: 'string_type', loc: ['body', 'id', 'str'], msg: 'Input should be a valid string', input: 1.5 },
      { type: 'float_parsing', loc: ['body', 'score', 'float'], msg: 'Input should be a valid number, unable to parse string as a number', input: 'x' },
      { type: 'bool_parsing', loc: ['body', 'score', 'bool'], msg: 'Input should be a valid boolean, unable to interpret input', input: 'x' },
    ]);
  });

  it("reads query text as FastAPI does: text is a str's exact match, else the leftmost member that converts", async () => {
    expect((await client.get('/search', { query: { q: '123' } })).json()).toEqual({ q: '123', flag: null });
    expect((await client.get('/search', { query: { q: 'abc', flag: '1' } })).json()).toEqual({ q: 'abc', flag: 1 });
    expect((await client.get('/search', { query: { q: 'abc', flag: 'yes' } })).json()).toEqual({ q: 'abc', flag: true });
    const res = await client.get('/search', { query: { q: 'abc', flag: 'maybe' } });
    expect(res.status).toBe(422);
    expect(res.json().detail).toEqual([
      { type: 'int_parsing', loc: ['query', 'flag', 'int'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'maybe' },
      { type: 'bool_parsing', loc: ['query', 'flag', 'bool'], msg: 'Input should be a valid boolean, unable to interpret input', input: 'maybe' },
    ]);
  });

  it('reads a path parameter the same way', async () => {
    expect((await client.get('/lookup/42')).json()).toEqual({ key: 42 });
    expect((await client.get('/lookup/0F9A3C1E-8D2B-4E5A-9C7D-1A2B3C4D5E6F')).json()).toEqual({ key: '0f9a3c1e-8d2b-4e5a-9c7d-1a2b3c4d5e6f' });
    const res = await client.get('/lookup/abc');
    expect(res.status).toBe(422);
    expect(res.json().detail).toEqual([
      { type: 'int_parsing', loc: ['path', 'key', 'int'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'abc' },
      {
        type: 'uuid_parsing',
        loc: ['path', 'key', 'uuid'],
        msg: 'Input should be a valid UUID, invalid length: expected length 32 for simple format, found 3',
        input: 'abc',
        ctx: { error: 'invalid length: expected length 32 for simple format, found 3' },
      },
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
  expectTypeOf<TypeOf<ReturnType<typeof unionOf<[typeof Int, StringConstructor]>>>>().toEqualTypeOf<number | string>();
});
