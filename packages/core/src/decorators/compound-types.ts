import type { ScalarToken } from './type-tokens.js';

/**
 * Types built from other types: a record with typed values (`dict[str, T]`)
 * and a union of models, plain or discriminated by a tag field (pydantic's
 * `Union[A, B]` and `Field(discriminator='kind')`). Each is a small value
 * object, usable as a parameter's `type` and in a model field's decorator.
 */

/** `Record<string, T>` (pydantic's `dict[str, T]`). */
export class RecordType<V = unknown> {
  constructor(readonly value: V) {}
  get name(): string {
    return 'Record';
  }
}

/** A union of models or scalars, tried in order, or of models picked by `discriminator` through `mapping`. */
export class UnionType<M extends readonly unknown[] = readonly unknown[]> {
  constructor(
    readonly members: M,
    readonly discriminator?: string,
    readonly mapping?: Readonly<Record<string, M[number]>>,
  ) {}
  get name(): string {
    return 'Union';
  }
}

export type CompoundType = RecordType | UnionType;

/** What a union may hold: a model class or a scalar token (String, Int, UUID, ...). */
export type UnionMember = (abstract new (...args: any[]) => unknown) | ScalarToken;

/**
 * A record of string keys to values of `value`'s type.
 * @example
 * \@Body({ type: recordOf(Int) }) counts: Record<string, number>
 */
export function recordOf<V>(value: V): RecordType<V> {
  return new RecordType(value);
}

/**
 * A union of models or scalars, as pydantic's smart mode reads it: of
 * models, the one that sets the most fields, then the one that converts
 * least, then the leftmost; of scalars, a member that matches the value's
 * own type wins (JSON `"123"` stays text for `unionOf(Int, String)`), else
 * the leftmost that converts. If none validates, every member's errors are
 * reported under its name (`Cat`, `int`).
 * @example
 * \@Body({ type: unionOf(Cat, Dog) }) pet: Cat | Dog
 * \@Query('q', { type: unionOf(Int, String) }) q: number | string
 */
export function unionOf<M extends readonly UnionMember[]>(...members: M): UnionType<M> {
  return new UnionType(members);
}

/**
 * A union of models told apart by a tag field: `mapping` gives the model for
 * each tag. Errors are reported under the tag, as pydantic does.
 * @example
 * \@Body({ type: discriminatedUnion('kind', { cat: Cat, dog: Dog }) }) pet: Cat | Dog
 */
export function discriminatedUnion<T extends Record<string, abstract new (...args: any[]) => unknown>>(discriminator: string, mapping: T): UnionType<T[keyof T][]> {
  return new UnionType<T[keyof T][]>(Object.values(mapping) as T[keyof T][], discriminator, mapping as unknown as Readonly<Record<string, T[keyof T]>>);
}
