/**
 * How a parameter's type is named when TypeScript's emitted metadata cannot
 * say it: JavaScript has no integer type, `string | null` is emitted as
 * `Object`, and dependency functions have no metadata at all.
 */
export const Int = Object.freeze({ name: 'Int' as const });
export type IntToken = typeof Int;

/** A scalar or list type token accepted by `{ type }` options. */
export type ScalarToken = StringConstructor | NumberConstructor | BooleanConstructor | IntToken | DateConstructor;
type ClassToken = abstract new (...args: any[]) => unknown;
/** A scalar, a model class, or a one-element list of either (`[Int]`, `[UploadFile]`). */
export type TypeToken = ScalarToken | ClassToken | ObjectConstructor | readonly [ScalarToken | ClassToken];

/** The value type a token stands for. */
export type TypeOf<K> = K extends StringConstructor
  ? string
  : K extends NumberConstructor
    ? number
    : K extends IntToken
      ? number
      : K extends BooleanConstructor
        ? boolean
        : K extends DateConstructor
          ? Date
        : K extends readonly [infer E]
          ? TypeOf<E>[]
          : K extends ObjectConstructor
            ? unknown
            : K extends abstract new (...args: any[]) => infer I
              ? I
              : unknown;
