import { IsEmail, IsString, Length } from 'class-validator';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { decodeArgs, defineTask, encodeArgs, TaskArgumentsError, type JsonArgs } from '@fastts/tasks';

class Message {
  @IsEmail()
  to!: string;

  @IsString()
  @Length(1, 100)
  subject!: string;

  greeting() {
    return `Hello ${this.to}`;
  }
}

describe('task arguments', () => {
  it('accepts JSON values and returns a copy the caller cannot change afterwards', () => {
    const order = { id: 7, lines: [{ sku: 'a', qty: 2 }], note: null, gift: false };
    const encoded = encodeArgs('t', ['x', 1.5, order]);
    order.lines[0]!.qty = 99;
    expect(encoded).toEqual(['x', 1.5, { id: 7, lines: [{ sku: 'a', qty: 2 }], note: null, gift: false }]);
  });

  it('drops trailing undefined arguments (optional parameters) and undefined properties', () => {
    expect(encodeArgs('t', ['a', undefined, undefined])).toEqual(['a']);
    expect(encodeArgs('t', [{ a: 1, b: undefined }])).toEqual([{ a: 1 }]);
  });

  it('names every argument that cannot travel', () => {
    const error = (() => {
      try {
        encodeArgs('t', [new Date(0), new Map(), () => 1, Number.NaN, 10n, undefined, [undefined], { when: new Date(0) }, 'ok']);
      } catch (err) {
        return err as TaskArgumentsError;
      }
    })();
    expect(error).toBeInstanceOf(TaskArgumentsError);
    expect(error!.retryable).toBe(false);
    expect(error!.problems).toEqual([
      'argument 0: Date is not a plain object (give the position a model, or pass plain data)',
      'argument 1: Map is not a plain object (give the position a model, or pass plain data)',
      'argument 2: a function cannot be stored as JSON',
      'argument 3: NaN is not a finite number',
      'argument 4: a bigint cannot be stored as JSON',
      'argument 5: a undefined cannot be stored as JSON',
      'argument 6[0]: undefined in a list',
      'argument 7.when: Date is not a plain object (give the position a model, or pass plain data)',
    ]);
  });

  it('validates model positions with class-validator and gives the task instances back', () => {
    const encoded = encodeArgs('t', [Object.assign(new Message(), { to: 'ada@example.com', subject: 'Hi' }), 3], [Message]);
    expect(encoded).toEqual([{ to: 'ada@example.com', subject: 'Hi' }, 3]);
    const [message] = decodeArgs(encoded, [Message]) as [Message];
    expect(message).toBeInstanceOf(Message);
    expect(message.greeting()).toBe('Hello ada@example.com');

    expect(() => encodeArgs('t', [{ to: 'not-an-email', subject: '' }], [Message])).toThrow(
      "arguments of task 't' rejected: argument 0.to: to must be an email; argument 0.subject: subject must be longer than or equal to 1 characters",
    );
    expect(() => encodeArgs('t', ['ada@example.com'], [Message])).toThrow('argument 0: expected an object for model Message');
  });

  it('refuses non-JSON parameter types at compile time', () => {
    expectTypeOf<JsonArgs<[string, { n: number; tags: string[] }]>>().toEqualTypeOf<unknown>();
    expectTypeOf<JsonArgs<[Date]>>().not.toEqualTypeOf<unknown>();
    // @ts-expect-error a Date does not survive JSON
    defineTask('dated', (when: Date) => when.getTime());
    // @ts-expect-error a function cannot travel
    defineTask('callback', (done: () => void) => done());
    // @ts-expect-error unknown could be anything
    defineTask('anything', (value: unknown) => value);
    defineTask('data', (value: { to: string; subject: string }) => value.to);
    // @ts-expect-error Message has a method, and no model is given for its position
    defineTask('unmodelled', (value: Message) => value.to);
    // With its model, the position receives an instance again.
    defineTask('modelled', (value: Message, n: number) => value.greeting().repeat(n), { models: [Message] });
  });
});
