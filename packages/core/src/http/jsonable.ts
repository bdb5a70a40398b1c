import { FastTsError } from '../errors/codes.js';

/**
 * The JSON text of a value a handler returned, encoded as FastAPI's
 * `jsonable_encoder` does: a Set, a generator or another iterable becomes a
 * list, a Map an object, a typed array a list, wherever they sit; a Date is
 * ISO text (its toJSON). `undefined` alone is `null` (FastAPI's None);
 * inside an object it is left out and inside a list it is `null`, as in
 * JSON.stringify. A bigint, a symbol or a function as the whole value, a
 * cycle, or a Map key that is not a string, number, boolean or null throw
 * FASTTS_ERR_RESPONSE_NOT_JSON, naming where the value sits.
 */
export function jsonText(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    // A bigint or a cycle: find where it sits. If the walk finds nothing (a
    // toJSON or a getter that threw), the handler's own error goes on as it is.
    new Encoder().encode(value);
    throw err;
  }
  if (text === undefined) {
    if (value === undefined) return 'null';
    throw notJson(describe(value), '$');
  }
  // Fast path: JSON.stringify is exact unless the value holds something it
  // renders as `{}` (a Set, a Map, another iterable without fields) or as
  // `{"0":` (a typed array). A flat value cannot; other text with neither
  // mark needs no second look either. Text with one (an empty object, say) is
  // walked once, and sent as it is when nothing needed converting.
  if (flat(value) || (text.indexOf('{}') === -1 && text.indexOf('{"0":') === -1)) return text;
  const encoder = new Encoder();
  const encoded = encoder.encode(value);
  return encoder.changed ? (JSON.stringify(encoded) ?? 'null') : text;
}

/**
 * A plain object or an array whose values are all strings, numbers, booleans
 * or null (the common small response, such as `{ message: 'Hello' }`). Under
 * callgrind on GET /hello (about 145,000 estimated cycles a request), the two
 * text searches cost about 510 cycles, each a call into V8's runtime; this
 * check and the whole encoder call together about 390.
 */
function flat(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return typeof value !== 'function';
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!scalar(value[i])) return false;
    return true;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key in value) if (!scalar((value as Record<string, unknown>)[key])) return false;
  return true;
}

// A function may be a toJSON that returns a Set: not a scalar.
const scalar = (v: unknown): boolean => v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === undefined;

/** What a property is when JSON.stringify would leave it out. */
const SKIP: unique symbol = Symbol('skip');

class Encoder {
  /** Whether anything was converted, so the first text can be kept otherwise. */
  changed = false;
  readonly #ancestors: object[] = [];
  readonly #path: (string | number)[] = [];

  encode(value: unknown): unknown {
    const out = this.#value(value, '');
    if (out === SKIP) {
      if (value === undefined) return null;
      throw notJson(describe(value), '$');
    }
    return out;
  }

  #value(input: unknown, key: string): unknown {
    let value = input;
    // JSON.stringify's order: toJSON first (Date, Buffer, user classes), then boxed primitives.
    if ((typeof value === 'object' && value !== null) || typeof value === 'function' || typeof value === 'bigint') {
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') value = toJSON.call(value, key);
    }
    if (value instanceof Number || value instanceof String || value instanceof Boolean || value instanceof BigInt) value = value.valueOf();
    switch (typeof value) {
      case 'string':
      case 'number':
      case 'boolean':
        return value;
      case 'bigint':
        throw this.#fail('a bigint');
      case 'undefined':
      case 'function':
      case 'symbol':
        return SKIP;
    }
    if (value === null) return null;
    const object = value as object;
    if (this.#ancestors.includes(object)) throw this.#fail('a cycle');
    this.#ancestors.push(object);
    try {
      return this.#object(object);
    } finally {
      this.#ancestors.pop();
    }
  }

  #object(value: object): unknown {
    if (Array.isArray(value)) return this.#list(value);
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      this.changed = true;
      return this.#list(Array.from(value as unknown as ArrayLike<unknown>));
    }
    const keys = Object.keys(value);
    // Only a collection without fields of its own: JSON.stringify renders it
    // `{}`, so the fast path above sees it wherever it sits.
    if (keys.length === 0 && value instanceof Map) {
      this.changed = true;
      return this.#map(value);
    }
    if (keys.length === 0 && typeof (value as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function') {
      this.changed = true;
      return this.#list(Array.from(value as Iterable<unknown>));
    }
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      this.#path.push(key);
      const item = this.#value((value as Record<string, unknown>)[key], key);
      this.#path.pop();
      if (item !== SKIP) out[key] = item;
    }
    return out;
  }

  #list(items: ArrayLike<unknown>): unknown[] {
    const out = new Array<unknown>(items.length);
    for (let i = 0; i < items.length; i++) {
      this.#path.push(i);
      const item = this.#value(items[i], String(i));
      this.#path.pop();
      out[i] = item === SKIP ? null : item;
    }
    return out;
  }

  /** Python's json writes int, float, bool and None keys as their text; anything else is refused, not turned into "[object Object]". */
  #map(map: Map<unknown, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of map) {
      const type = typeof k;
      if (!(type === 'string' || type === 'number' || type === 'boolean' || type === 'bigint' || k === null)) {
        throw this.#fail(`a Map key that is ${k === undefined ? 'undefined' : `a${type === 'object' ? 'n' : ''} ${type}`}`);
      }
      const key = String(k);
      this.#path.push(key);
      const item = this.#value(v, key);
      this.#path.pop();
      if (item !== SKIP) out[key] = item;
    }
    return out;
  }

  #fail(what: string): FastTsError {
    return notJson(what, formatPath(this.#path));
  }
}

function describe(value: unknown): string {
  return typeof value === 'function' ? 'a function' : typeof value === 'symbol' ? 'a symbol' : `a ${typeof value}`;
}

function notJson(what: string, path: string): FastTsError {
  return new FastTsError('FASTTS_ERR_RESPONSE_NOT_JSON', what, path);
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `$.items[0].price`, `$["odd key"]`: where a value sits in the response. */
function formatPath(path: (string | number)[]): string {
  let out = '$';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  return out;
}
