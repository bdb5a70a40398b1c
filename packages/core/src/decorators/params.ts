import { setParamSpec } from './metadata.js';
import type { TypeOf, TypeToken } from './type-tokens.js';
import type { Class } from '../internal/types.js';

export type ParamSource = 'path' | 'query' | 'header' | 'cookie' | 'body' | 'form' | 'file';

export interface ValueOptions<K extends TypeToken = TypeToken> {
  /** The value's type, when the emitted metadata cannot tell (`Int`, `[Number]`, unions, dependency functions). */
  type?: K;
  /** Absent values become `undefined` instead of a 422 `missing` error. */
  optional?: boolean;
  /** Value used when absent; makes the parameter optional. */
  default?: unknown;
  description?: string;
  deprecated?: boolean;
  examples?: unknown[];
  /** The schema's title in OpenAPI; default: the name, title-cased. */
  title?: string;
  // Constraints, checked after conversion as pydantic checks FastAPI's `Query(gt=…)`; on a list type
  // (`[Int]`) the value rules apply to each item and minItems/maxItems to the list.
  /** Numbers: greater than. */
  gt?: number;
  /** Numbers: greater than or equal. */
  ge?: number;
  /** Numbers: less than. */
  lt?: number;
  /** Numbers: less than or equal. */
  le?: number;
  /** Numbers: a multiple of (FastAPI's `multiple_of`). */
  multipleOf?: number;
  /** Strings: at least this many characters (code points, as Python counts them). */
  minLength?: number;
  /** Strings: at most this many characters. */
  maxLength?: number;
  /** Strings: a regular expression that must match somewhere in the value (`re.search`); anchor it with `^…$` to match the whole. */
  pattern?: string | RegExp;
  /** One of these values: a TypeScript enum object (422 `enum`) or a list of literals (422 `literal_error`). */
  enum?: EnumOption;
  /** Lists: at least this many items. */
  minItems?: number;
  /** Lists: at most this many items. */
  maxItems?: number;
}

/** A TypeScript enum object or a list of literal values. */
export type EnumOption = Readonly<Record<string, string | number>> | readonly (string | number)[];

/** The value type of an `enum` option: the enum's type, or the union of the listed literals. */
export type EnumValue<E> = E extends readonly (infer L)[] ? L : E[Exclude<keyof E, number>]; // a numeric enum's reverse mapping has number keys

export interface HeaderOptions<K extends TypeToken = TypeToken> extends ValueOptions<K> {
  /** `user_agent` reads the `user-agent` header, as FastAPI does. Default true. */
  convertUnderscores?: boolean;
}

export interface BodyOptions<K extends TypeToken = TypeToken> extends ValueOptions<K> {
  /** Read the value under its name even when it is the only body parameter. */
  embed?: boolean;
}

/** A value read from the request: path, query, header, cookie or body. */
export interface ValueSpec {
  kind: 'value';
  source: ParamSource;
  /** The key in its source; for a body parameter without a name, the whole body. */
  name: string | undefined;
  type: TypeToken | undefined;
  required: boolean;
  default: unknown;
  embed: boolean;
  options: ValueOptions;
}

/** A dependency: its result is the parameter's value. */
export interface DependsSpec {
  kind: 'depends';
  dependency: Function;
  useCache: boolean;
}

/** A framework object recognised by its class: Request, Response, BackgroundTasks. */
export interface InjectSpec {
  kind: 'inject';
  token: Class;
}

export type ParamSpec = ValueSpec | DependsSpec | InjectSpec;

/**
 * A parameter declaration. It decorates a handler or constructor parameter,
 * and it is also an entry of the parameter list given to `dependency()`.
 */
export interface ParamMarker<T = unknown> {
  (target: object, propertyKey: string | symbol | undefined, parameterIndex: number): void;
  readonly spec: ParamSpec;
  /** Type-level only: the value the parameter receives. */
  readonly __value?: T;
}

export type ValueOf<O, Fallback = string> =
  | (O extends { enum: infer E } ? (O extends { type: readonly [unknown] } ? EnumValue<E>[] : EnumValue<E>) : O extends { type: infer K } ? TypeOf<K> : Fallback)
  | (O extends { optional: true } ? undefined : never);

export function paramMarker<T>(spec: ParamSpec): ParamMarker<T> {
  const decorate = (target: object, propertyKey: string | symbol | undefined, index: number) => {
    setParamSpec(target, propertyKey, index, spec);
  };
  return Object.assign(decorate, { spec }) as ParamMarker<T>;
}

function valueMarker<T>(source: ParamSource, name: string | undefined, options: ValueOptions & { embed?: boolean }): ParamMarker<T> {
  const hasDefault = 'default' in options;
  return paramMarker<T>({
    kind: 'value',
    source,
    name,
    type: options.type ?? enumType(options.enum),
    required: !hasDefault && !options.optional,
    default: options.default,
    embed: options.embed ?? false,
    options,
  });
}

/** The values of an enum option; a numeric TypeScript enum also maps its values back to names, which are left out. */
export function enumMembers(values: EnumOption): (string | number)[] {
  if (Array.isArray(values)) return [...values];
  return Object.entries(values)
    .filter(([key]) => Number.isNaN(Number(key)))
    .map(([, value]) => value);
}

/** An enum of strings is read as a String, one of numbers as a Number, when no `type` says otherwise. */
function enumType(values: EnumOption | undefined): TypeToken | undefined {
  if (values === undefined) return undefined;
  const list = enumMembers(values);
  if (list.length > 0 && list.every((v) => typeof v === 'number')) return Number;
  return list.some((v) => typeof v === 'number') ? undefined : String;
}

/**
 * A path parameter, named as in the route template (`/items/{item_id}`).
 *
 * @example
 * ```ts
 * @Get('/items/{item_id}')
 * read(@Path('item_id') itemId: number) {}
 * ```
 */
export function Path<const O extends ValueOptions = {}>(name: string, options?: O): ParamMarker<ValueOf<O>> {
  return valueMarker('path', name, options ?? {});
}

/**
 * A query-string parameter. Required unless `optional` or `default` is given;
 * a list type (`{ type: [String] }` or a `string[]` parameter) collects
 * repeated keys. Without a name, the parameter's model class reads its fields
 * from the whole query string (FastAPI's query parameter models).
 *
 * @example
 * ```ts
 * list(@Query('skip', { type: Int, default: 0 }) skip: number, @Query('q', { optional: true }) q?: string) {}
 * ```
 */
export function Query<const O extends ValueOptions = {}>(name?: string | O, options?: O): ParamMarker<ValueOf<O>> {
  return grouped('query', name, options);
}

/**
 * A request header, case-insensitive; `_` in the name reads as `-` unless
 * `convertUnderscores: false`.
 */
export function Header<const O extends HeaderOptions = {}>(name?: string | O, options?: O): ParamMarker<ValueOf<O>> {
  if (typeof name !== 'string') return grouped('header', undefined, name);
  const convert = options?.convertUnderscores ?? true;
  const key = (convert ? name.replaceAll('_', '-') : name).toLowerCase();
  return valueMarker('header', key, options ?? {});
}

/** A cookie sent by the client. */
export function Cookie<const O extends ValueOptions = {}>(name?: string | O, options?: O): ParamMarker<ValueOf<O>> {
  return grouped('cookie', name, options);
}

/** `@Query()` / `@Query('q', opts)` / `@Query(opts)`: without a name, a model reads the whole source. */
function grouped<T>(source: ParamSource, name: string | ValueOptions | undefined, options: ValueOptions | undefined): ParamMarker<T> {
  if (typeof name === 'object') return valueMarker(source, undefined, name);
  return valueMarker(source, name, options ?? {});
}

/**
 * The JSON body, or with a name, one key of it. With several body parameters
 * (or `embed: true`) each one is read under its name, as in FastAPI.
 *
 * @example
 * ```ts
 * create(@Body() item: Item) {}
 * update(@Body('item') item: Item, @Body('importance', { type: Int }) importance: number) {}
 * ```
 */
export function Body<const O extends BodyOptions = {}>(name?: string | O, options?: O): ParamMarker<ValueOf<O, unknown>> {
  if (typeof name === 'object') return valueMarker('body', undefined, name);
  return valueMarker('body', name, options ?? {});
}

/**
 * A field of a urlencoded or multipart form. Without a name, the parameter's
 * model class reads its fields from the whole form.
 *
 * @example
 * ```ts
 * login(@Form('username') username: string, @Form('password') password: string) {}
 * ```
 */
export function Form<const O extends ValueOptions = {}>(name?: string | O, options?: O): ParamMarker<ValueOf<O>> {
  return grouped('form', name, options);
}

/**
 * An uploaded file of a multipart form: type the parameter `UploadFile`, or
 * give `{ type: [UploadFile] }` for every file sent under that name.
 */
export function File<const O extends ValueOptions = {}>(name: string, options?: O): ParamMarker<ValueOf<O, unknown>> {
  return valueMarker('file', name, options ?? {});
}
