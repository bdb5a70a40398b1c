import type { CompoundType, RecordType, UnionType } from './compound-types.js';

/**
 * How a parameter's type is named when TypeScript's emitted metadata cannot
 * say it: JavaScript has no integer type, `string | null` is emitted as
 * `Object`, and dependency functions have no metadata at all.
 */
export const Int = Object.freeze({ name: 'Int' as const });
export type IntToken = typeof Int;

/*
 * Types JavaScript has no class for, named as pydantic names them. Each token
 * stands for a value a handler reads as a plain JS type (see TypeOf), chosen
 * so that JSON round-trips it without surprises (docs/validation.md, "More types").
 */
/** A UUID (pydantic's `UUID`): read as its lower-case hyphenated string. */
export const UUID = Object.freeze({ name: 'UUID' as const });
/** A calendar date (`datetime.date`): read as its 'YYYY-MM-DD' string, so no time zone can shift it. */
export const DateOnly = Object.freeze({ name: 'DateOnly' as const });
/** A time of day (`datetime.time`): read as 'HH:MM:SS[.ffffff]' with its offset when one was given. */
export const Time = Object.freeze({ name: 'Time' as const });
/** A datetime that must carry an offset (pydantic's `AwareDatetime`): read as a Date. */
export const AwareDateTime = Object.freeze({ name: 'AwareDateTime' as const });
/** A duration (`datetime.timedelta`): read as seconds (pydantic's number for it), sent as ISO 8601 ('P1DT2H'). */
export const Duration = Object.freeze({ name: 'Duration' as const });
/** An exact decimal (`decimal.Decimal`): read and sent as its text, never through a float. */
export const Decimal: DecimalToken = Object.freeze({ name: 'Decimal' as const });
export interface DecimalToken {
  readonly name: 'Decimal';
  /** pydantic's `max_digits`: digits in all. */
  readonly maxDigits?: number;
  /** pydantic's `decimal_places`: digits after the point. */
  readonly decimalPlaces?: number;
}
/**
 * A Decimal with pydantic's `max_digits` and `decimal_places` (its `condecimal`).
 * @example
 * \@Query('price', { type: DecimalOf({ maxDigits: 5, decimalPlaces: 2 }) }) price: string
 */
export function DecimalOf(limits: { maxDigits?: number; decimalPlaces?: number }): DecimalToken {
  return Object.freeze({ name: 'Decimal' as const, ...limits });
}
/** Bytes sent as base64 text (pydantic's `Base64Bytes`): read as a Buffer, sent as base64. */
export const Base64Bytes = Object.freeze({ name: 'Base64Bytes' as const });

export type StringToken = typeof UUID | typeof DateOnly | typeof Time | DecimalToken;
/** The tokens above. */
export type MoreToken = StringToken | typeof AwareDateTime | typeof Duration | typeof Base64Bytes;

/** A scalar or list type token accepted by `{ type }` options. */
export type ScalarToken = StringConstructor | NumberConstructor | BooleanConstructor | IntToken | DateConstructor | MoreToken;
type ClassToken = abstract new (...args: any[]) => unknown;
/** A scalar, a model class, or a one-element list of either (`[Int]`, `[UploadFile]`). */
export type TypeToken = ScalarToken | ClassToken | ObjectConstructor | CompoundType | readonly [ScalarToken | ClassToken | CompoundType];

/** The value type a token stands for. */
export type TypeOf<K> = K extends StringConstructor
  ? string
  : K extends NumberConstructor
    ? number
    : K extends IntToken
      ? number
      : K extends BooleanConstructor
        ? boolean
        : K extends DateConstructor | typeof AwareDateTime
          ? Date
        : K extends StringToken
          ? string
        : K extends typeof Duration
          ? number
        : K extends typeof Base64Bytes
          ? Buffer
        : K extends RecordType<infer V>
          ? Record<string, TypeOf<V>>
        : K extends UnionType<infer M>
          ? TypeOf<M[number]>
        : K extends readonly [infer E]
          ? TypeOf<E>[]
          : K extends ObjectConstructor
            ? unknown
            : K extends abstract new (...args: any[]) => infer I
              ? I
              : unknown;
