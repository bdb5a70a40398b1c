// The response-model JSON writer: the text of GET /big (512 BigItem, 64 KiB)
// written from a list that conforms to the model, which is what the writer
// exists for (see packages/core/src/validation/json-writer.ts).
//
//   node benchmarks/micro/json-writer.mjs
//
// `generated` builds the model's writer as one function from source text, as
// json-writer.ts does (the code below follows its modelWriter, inlineScalar and
// generate, for the field kinds BigItem has); `plain` is the same writer in
// plain code, written as well as we could: one closure per field kind, a loop
// over the fields, both forms of each key made once.
// `JSON.stringify` is printed for scale: it checks nothing.

import { compare, verdict } from './compare.mjs';

const NOT_PLAIN = /[^\u0020\u0021\u0023-\u005b\u005d-\u007e]/;
const state = { wide: false };

/** BigItem of benchmarks/src/targets/fastts.ts, as compileModel plans it: `price` keeps one constraint check. */
const Int = Symbol('Int');
const isNumber = (value) => typeof value === 'number' && Number.isFinite(value);
const fields = [
  { name: 'id', type: Int, optional: false, checks: [] },
  { name: 'name', type: String, optional: false, checks: [] },
  { name: 'price', type: Number, optional: false, checks: [isNumber] },
  { name: 'tags', type: [String], optional: false, checks: [] },
  { name: 'description', type: String, optional: false, checks: [] },
];

// ---- generated: the source json-writer.ts builds --------------------------------

function inlineScalar(type, v = 'v', t = 't') {
  if (Array.isArray(type)) {
    const item = inlineScalar(type[0], 'x', 'y');
    return `if (!Array.isArray(${v})) return undefined; ${t} = "["; for (let i = 0; i < ${v}.length; i++) { const x = ${v}[i]; let y; ${item} ${t} += i === 0 ? y : "," + y; } ${t} += "]";`;
  }
  if (type === String) return `if (typeof ${v} !== "string") return undefined; ${t} = ESC.test(${v}) ? ((S.wide = true), JSON.stringify(${v})) : '"' + ${v} + '"';`;
  if (type === Number) return `if (typeof ${v} !== "number" || !Number.isFinite(${v})) return undefined; ${t} = "" + ${v};`;
  if (type === Int) return `if (!Number.isSafeInteger(${v})) return undefined; ${t} = "" + ${v};`;
  if (type === Boolean) return `if (${v} !== true && ${v} !== false) return undefined; ${t} = ${v} ? "true" : "false";`;
  throw new Error('not covered');
}

function generate(body, param, helpers) {
  const factory = new Function('h', 'ESC', 'S', `return function write(${param}) {\n${body}\n};`);
  return factory(helpers, NOT_PLAIN, state);
}

function generatedModelWriter(fields) {
  const helpers = [];
  const helper = (value) => `h[${helpers.push(value) - 1}]`;
  const lines = [];
  let written = false;
  for (const field of fields) {
    const property = JSON.stringify(field.name);
    const key = JSON.stringify(`${JSON.stringify(field.name)}:`);
    lines.push(`v = o[${property}];`);
    lines.push(field.optional ? 'if (v === undefined) {} else {' : 'if (v === undefined) return undefined; else {');
    const sep = written ? `"," + ${key}` : `s + ${key}`;
    if (field.optional) lines.push(`if (v === null) t = "null"; else {`);
    lines.push(inlineScalar(field.type));
    if (field.checks.length > 0) lines.push(`if (!${helper((value) => field.checks.every((check) => check(value)))}(v, o)) return undefined;`);
    if (field.optional) lines.push('}');
    lines.push(`out += ${sep} + t;${written ? '' : ' s = ",";'} }`);
    if (!field.optional) written = true;
  }
  const body = ['if (o === null || typeof o !== "object" || Array.isArray(o)) return undefined;', 'let v, t, out = "{", s = "";', ...lines, 'return out + "}";'].join('\n');
  return generate(body, 'o', helpers);
}

// ---- plain: closures and a loop --------------------------------------------------

function scalarWriter(type) {
  if (Array.isArray(type)) return listWriter(scalarWriter(type[0]));
  if (type === String) return (v) => (typeof v !== 'string' ? undefined : NOT_PLAIN.test(v) ? ((state.wide = true), JSON.stringify(v)) : '"' + v + '"');
  if (type === Number) return (v) => (typeof v !== 'number' || !Number.isFinite(v) ? undefined : '' + v);
  if (type === Int) return (v) => (Number.isSafeInteger(v) ? '' + v : undefined);
  if (type === Boolean) return (v) => (v === true ? 'true' : v === false ? 'false' : undefined);
  throw new Error('not covered');
}

function listWriter(item) {
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

function plainModelWriter(fields) {
  const steps = fields.map((field) => ({
    name: field.name,
    // Both forms of the key made once: no separator string is added per field.
    key: `${JSON.stringify(field.name)}:`,
    nextKey: `,${JSON.stringify(field.name)}:`,
    optional: field.optional,
    write: scalarWriter(field.type),
    check: field.checks.length > 0 ? (value) => field.checks.every((check) => check(value)) : undefined,
  }));
  return (o) => {
    if (o === null || typeof o !== 'object' || Array.isArray(o)) return undefined;
    let out = '{';
    let wrote = false;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      const v = o[step.name];
      if (v === undefined) {
        if (step.optional) continue;
        return undefined;
      }
      let t;
      if (v === null && step.optional) t = 'null';
      else {
        t = step.write(v);
        if (t === undefined || (step.check !== undefined && !step.check(v, o))) return undefined;
      }
      out += (wrote ? step.nextKey : step.key) + t;
      wrote = true;
    }
    return out + '}';
  };
}

// ---- the payload of GET /big (benchmarks/src/shared/payload.ts) -------------------

const big = [];
for (let id = 0; id < 512; id++) {
  const base = { id: id + 1000, name: `item-${String(id).padStart(4, '0')}`, price: 10.25, tags: ['bench', 'json'], description: '' };
  base.description = 'x'.repeat(127 - JSON.stringify(base).length);
  big.push(base);
}

const generated = listWriter(generatedModelWriter(fields));
const plain = listWriter(plainModelWriter(fields));
const expected = JSON.stringify(big);
for (const [name, write] of [['generated', generated], ['plain', plain]]) {
  if (write(big) !== expected) throw new Error(`${name} does not write what JSON.stringify writes`);
}

const run = (write) => (ops) => {
  let length = 0;
  for (let i = 0; i < ops; i++) length += write(big).length;
  return length;
};

const stats = compare('JSON writer: GET /big, 512 BigItem (ns per list written)', { generated: run(generated), plain: run(plain), stringify: run(JSON.stringify) }, { ops: 200 });
verdict(stats);
