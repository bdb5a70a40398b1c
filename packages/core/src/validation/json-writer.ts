import type { ValidationArguments } from 'class-validator';
import { Int, UUID, type TypeToken } from '../decorators/type-tokens.js';
import { hasCustomTransforms } from './class-transformer-storage.js';
import { JsonText } from '../http/response.js';
import { compileModel, isModelClass, quickAnswer, type ModelPlan } from './model.js';
import { fieldRule, sameAsDefault, selection, type OutputOptions, type Selection } from './output-options.js';

/**
 * Writes a response model's JSON text in one pass, or returns undefined when
 * the value needs the full path (a value of another type that pydantic's lax
 * rules might convert, a failed constraint, a default to fill in): then the
 * route validates and serialises as usual, and reports what is wrong. So the
 * fast path never changes what is sent, only how fast it is written.
 */
export type JsonWriter = (value: unknown) => string | undefined;

/**
 * A writer for a response model, or undefined when the model uses something
 * the writer does not cover: dates, untyped fields, `@ValidateIf`,
 * class-transformer's `@Expose`, `@Transform` or class-level strategies, or
 * properties without decorators set by the constructor.
 */
export function compileJsonWriter(type: TypeToken, options: OutputOptions = {}): JsonWriter | undefined {
  const out: Output = {
    unset: options.responseModelExcludeUnset === true,
    defaults: options.responseModelExcludeDefaults === true,
    none: options.responseModelExcludeNone === true,
    include: selection(options.responseModelInclude),
    exclude: selection(options.responseModelExclude),
  };
  try {
    return writerFor(type, { seen: new Map(), active: new Set() }, out);
  } catch {
    // A model that cannot be compiled this way (its constructor needs arguments, ...): full path.
    return undefined;
  }
}

/** A route's output options, read once; `include`/`exclude` are those of the model being compiled. */
interface Output {
  unset: boolean;
  defaults: boolean;
  none: boolean;
  include: Selection | undefined;
  exclude: Selection | undefined;
}

interface Compiling {
  /** Writers of models compiled without a selection, shared by every field of that type. */
  seen: Map<Function, JsonWriter | undefined>;
  /** Models being compiled: meeting one again means it contains itself, which the full path handles. */
  active: Set<Function>;
}

function writerFor(type: unknown, ctx: Compiling, out: Output): JsonWriter | undefined {
  const inline = inlineScalar(type);
  if (inline !== undefined) return generate(`let t;\n${inline}\nreturn t;`, 'v', []);
  if (Array.isArray(type)) {
    const item = writerFor(type[0], ctx, out);
    return item === undefined ? undefined : listWriter(item);
  }
  if (isModelClass(type)) {
    const shared = out.include === undefined && out.exclude === undefined;
    if (shared && ctx.seen.has(type)) return ctx.seen.get(type);
    if (ctx.active.has(type)) return undefined;
    ctx.active.add(type);
    let writer: JsonWriter | undefined;
    try {
      writer = modelWriter(compileModel(type), ctx, out);
    } finally {
      ctx.active.delete(type);
    }
    if (shared) ctx.seen.set(type, writer);
    return writer;
  }
  return undefined;
}

// Any character but printable ASCII other than quote and backslash. Those
// take JSON.stringify, which escapes controls, quote, backslash and lone
// surrogates; the writer then also notes the text may not be all ASCII.
const NOT_PLAIN = /[^\u0020\u0021\u0023-\u005b\u005d-\u007e]/;

/** Set by a writer that wrote something other than plain ASCII (see runJsonWriter). */
const state = { wide: false };

/**
 * Runs a compiled writer. Its JSON text comes with whether every character
 * is ASCII: then the text's UTF-8 length is its length, and the response
 * need not scan 64 KiB to learn its Content-Length.
 */
export function runJsonWriter(write: JsonWriter, value: unknown): JsonText | undefined {
  // Saved and restored: a custom constraint could itself serialise a response.
  const outer = state.wide;
  state.wide = false;
  try {
    const text = write(value);
    return text === undefined ? undefined : new JsonText(text, !state.wide);
  } finally {
    state.wide = outer;
  }
}

function listWriter(item: JsonWriter): JsonWriter {
  return (value) => {
    if (!Array.isArray(value)) return undefined;
    if (value.length === 0) return '[]';
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const text = item(value[i]);
      if (text === undefined) return undefined;
      out += i === 0 ? text : `,${text}`;
    }
    return `${out}]`;
  };
}

/**
 * A model's writer is generated as one function (as fast-json-stringify and
 * ajv do): field reads, type tests and string building inline, with no
 * closure per field. Only field names, serialised as JSON literals, reach the
 * generated source; nested writers and constraint checks are passed in.
 *
 * Generated from source text because it measured faster than the same writer
 * in plain code (a closure per field kind, a loop over the fields) beyond the
 * noise: benchmarks/micro/json-writer.mjs, 131 against 171 µs for GET /big's
 * 512 items (23% faster, noise 6%), and callgrind on GET /big, 4.46 M against
 * 5.81 M estimated cycles per request. See benchmarks/micro/README.md.
 */
function modelWriter(plan: ModelPlan, ctx: Compiling, out: Output): JsonWriter | undefined {
  if (hasCustomTransforms(plan.cls, plan.fields.map((f) => f.name))) return undefined;
  // The full path sends the instance's own keys, in the order the class
  // defines them; an undecorated property the constructor sets is sent too.
  const sample = plan.cls.length === 0 ? (plan.construct() as Record<string, unknown>) : undefined;
  const names = new Set(plan.fields.map((f) => f.name));
  const order = sample ? Object.keys(sample) : [];
  if (order.some((key) => !names.has(key))) return undefined;
  // A model that forbids extra keys refuses them in a response too: the full path says so.
  if (plan.forbidExtra) return undefined;
  const fields = [...plan.fields].sort((a, b) => rank(order, a.name) - rank(order, b.name));
  const helpers: unknown[] = [];
  const helper = (value: unknown) => `h[${helpers.push(value) - 1}]`;
  const lines: string[] = [];
  // Whether a field has surely been written before this one (then the comma is static).
  let written = false;
  for (const field of fields) {
    if (field.conditions.length > 0) return undefined;
    const rule = fieldRule(field.name, out.include, out.exclude);
    const hasDefault = field.default !== undefined;
    // Compared as the handler returned it: only plain data is sure to equal the full path's converted value.
    const compareDefault = out.defaults && hasDefault;
    if (compareDefault && !isPlainData(field.default)) return undefined;
    // A default the full path would fill in, and then leave out.
    const dropFilled = out.unset || out.defaults || (out.none && field.default === null);
    const nullText = out.none || (compareDefault && field.default === null) ? 'undefined' : '"null"';
    const mayDrop = compareDefault || (field.optional && nullText === 'undefined');
    const property = JSON.stringify(field.name);
    const key = JSON.stringify(`${JSON.stringify(field.name)}:`);
    lines.push(`v = o[${property}];`);
    // Missing: allowed when optional and without a default the full path would fill in (and send).
    lines.push(field.optional && (!hasDefault || dropFilled || rule.drop) ? 'if (v === undefined) {} else {' : 'if (v === undefined) return undefined; else {');
    const sep = written ? `"," + ${key}` : `s + ${key}`;
    if (field.optional) lines.push(`if (v === null) t = ${nullText}; else {`);
    const inline = inlineScalar(field.type);
    if (inline !== undefined) lines.push(inline);
    else {
      const write = writerFor(field.type, ctx, { ...out, include: rule.include, exclude: rule.exclude });
      if (write === undefined) return undefined;
      lines.push(`t = ${helper(write)}(v); if (t === undefined) return undefined;`);
    }
    if (field.checks.length > 0) lines.push(`if (!${helper((value: unknown, object: object) => passes(plan, field, value, object))}(v, o)) return undefined;`);
    if (compareDefault) lines.push(`if (${helper((value: unknown) => sameAsDefault(value, field.default))}(v)) t = undefined;`);
    if (field.optional) lines.push('}');
    // Excluded fields (@Exclude or the route's include/exclude) are checked like the others, never written.
    if (field.excluded || rule.drop) lines.push('}');
    else if (mayDrop) lines.push(`if (t !== undefined) { out += ${sep} + t;${written ? '' : ' s = ",";'} } }`);
    else {
      lines.push(`out += ${sep} + t;${written ? '' : ' s = ",";'} }`);
      if (!field.optional) written = true;
    }
  }
  // A field name that is not ASCII makes every text of the model so.
  const wideNames = fields.some((field) => /[^\u0000-\u007f]/.test(field.name));
  const body = [
    'if (o === null || typeof o !== "object" || Array.isArray(o)) return undefined;',
    ...(wideNames ? ['S.wide = true;'] : []),
    'let v, t, out = "{", s = "";',
    ...lines,
    'return out + "}";',
  ].join('\n');
  return generate(body, 'o', helpers);
}

/** A writer from generated source, taking its value as `param`, with `h` (helpers), `ESC` and `S` (state) in scope. */
function generate(body: string, param: string, helpers: unknown[]): JsonWriter {
  const factory = new Function('h', 'ESC', 'S', `return function write(${param}) {\n${body}\n};`) as (h: unknown[], esc: RegExp, s: typeof state) => JsonWriter;
  return factory(helpers, NOT_PLAIN, state);
}

/**
 * Type test of `v` and its JSON text into `t`, as generated source, for
 * scalars and lists of scalars; undefined for other types. The one place
 * that decides which values the writer accepts.
 */
function inlineScalar(type: unknown, v = 'v', t = 't'): string | undefined {
  if (Array.isArray(type)) {
    // One level: the loop's own names are fixed.
    if (Array.isArray(type[0])) return undefined;
    const item = inlineScalar(type[0], 'x', 'y');
    if (item === undefined) return undefined;
    return `if (!Array.isArray(${v})) return undefined; ${t} = "["; for (let i = 0; i < ${v}.length; i++) { const x = ${v}[i]; let y; ${item} ${t} += i === 0 ? y : "," + y; } ${t} += "]";`;
  }
  if (type === String) return `if (typeof ${v} !== "string") return undefined; ${t} = ESC.test(${v}) ? ((S.wide = true), JSON.stringify(${v})) : '"' + ${v} + '"';`;
  if (type === Number) return `if (typeof ${v} !== "number" || !Number.isFinite(${v})) return undefined; ${t} = "" + ${v};`;
  if (type === Int) return `if (!Number.isSafeInteger(${v})) return undefined; ${t} = "" + ${v};`;
  if (type === Boolean) return `if (${v} !== true && ${v} !== false) return undefined; ${t} = ${v} ? "true" : "false";`;
  // Only the canonical form, which the full path sends unchanged; any other goes the full path.
  if (type === UUID) return `if (typeof ${v} !== "string" || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(${v})) return undefined; ${t} = '"' + ${v} + '"';`;
  return undefined;
}

/** A primitive, or a list of them: a value the writer reads exactly as the full path converts it. */
function isPlainData(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(isPlainData);
  return value === null || (typeof value !== 'object' && typeof value !== 'function');
}

function rank(order: string[], name: string): number {
  const at = order.indexOf(name);
  return at === -1 ? order.length : at;
}

/** The field's constraints, synchronously; anything else (a failure, an async check) goes the full path. */
function passes(plan: ModelPlan, field: ModelPlan['fields'][number], value: unknown, object: object): boolean {
  for (const check of field.checks) {
    if (quickAnswer(check, value) === true) continue;
    const args: ValidationArguments = { value, constraints: check.constraints, targetName: plan.cls.name, object, property: field.name };
    if (check.each && Array.isArray(value)) {
      for (const item of value) if (check.validate(item, { ...args, value: item }) !== true) return false;
    } else if (check.validate(value, args) !== true) return false;
  }
  return true;
}
