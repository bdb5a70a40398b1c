import { AwareDateTime, Base64Bytes, DateOnly, Duration, Int, RecordType, Time, UnionType, UploadFile, UUID, type DecimalToken } from '@fastts/core';
import { describeModel, isModelClass } from '@fastts/core/extend';
import { constraintKeywords } from './constraints.js';
import { nullable, ordered, type JsonSchema } from './json-schema.js';
import { titleCase } from './names.js';

/** A constraint as `describeModel` reports it. */
export interface ConstraintInfo {
  name: string;
  constraints: unknown[];
  each: boolean;
}

/**
 * JSON Schemas from what fastts validates: type tokens (String, Number, Int,
 * Boolean, Date, UploadFile, lists) and model classes read through
 * `describeModel`, i.e. the same class-validator metadata the request
 * validation compiled. Each model becomes one `components.schemas` entry,
 * named after its class; models inside models are `$ref`s, so recursive
 * models terminate.
 */
export class SchemaRegistry {
  readonly #names = new Map<Function, string>();
  readonly #schemas = new Map<string, JsonSchema | undefined>();

  /** `reserved`: component names the document may define itself; a model of that name gets a suffix. */
  constructor(reserved: readonly string[] = []) {
    for (const name of reserved) this.#schemas.set(name, undefined);
  }

  /** The schema of a value of a type token: a scalar, a model class, or a one-element list of either. */
  typeSchema(type: unknown): JsonSchema {
    if (Array.isArray(type)) return { type: 'array', items: this.typeSchema(type[0]) };
    if (type === String) return { type: 'string' };
    if (type === Number) return { type: 'number' };
    if (type === Int) return { type: 'integer' };
    if (type === Boolean) return { type: 'boolean' };
    if (type === Date || type === AwareDateTime) return { type: 'string', format: 'date-time' };
    if (type === UUID) return { type: 'string', format: 'uuid' };
    if (type === DateOnly) return { type: 'string', format: 'date' };
    if (type === Time) return { type: 'string', format: 'time' };
    if (type === Duration) return { type: 'string', format: 'duration' };
    if (type === Base64Bytes) return { type: 'string', format: 'base64' };
    if (isDecimal(type)) return decimalSchema(type);
    if (type instanceof RecordType) return { type: 'object', additionalProperties: this.typeSchema(type.value) };
    if (type instanceof UnionType) return this.#unionSchema(type);
    // Checked before models: UploadFile is a class too.
    if (type === UploadFile) return { type: 'string', format: 'binary' };
    if (isModelClass(type)) return this.ref(type);
    return {};
  }

  /** A field's schema with its constraints; on a list, `each` constraints apply to the items. */
  fieldSchema(type: unknown, constraints: readonly ConstraintInfo[]): JsonSchema {
    const list = Array.isArray(type);
    const schema = this.typeSchema(type);
    Object.assign(schema, constraintKeywords(constraints.filter((c) => !(list && c.each)), list ? Array : type));
    const each = constraints.filter((c) => list && c.each);
    if (each.length > 0) schema['items'] = ordered({ ...(schema['items'] as JsonSchema), ...constraintKeywords(each, (type as unknown[])[0]) });
    return ordered(schema);
  }

  /** pydantic's union schemas: `anyOf` the members, or `oneOf` with a `discriminator` and its mapping. */
  #unionSchema(type: UnionType): JsonSchema {
    const members = (type.members as unknown[]).map((m) => this.typeSchema(m));
    if (type.discriminator === undefined) return { anyOf: members };
    const mapping = Object.fromEntries(Object.entries(type.mapping ?? {}).map(([tag, m]) => [tag, (this.typeSchema(m) as { $ref?: string }).$ref]));
    return { oneOf: members, discriminator: { propertyName: type.discriminator, mapping } };
  }

  /** A `$ref` to a model's component, building it (and the models it uses) on first use. */
  ref(cls: Function): JsonSchema {
    let name = this.#names.get(cls);
    if (name === undefined) {
      name = this.#freeName(cls.name);
      this.#names.set(cls, name);
      this.#schemas.set(name, {});
      this.#schemas.set(name, this.#modelSchema(cls));
    }
    return { $ref: `#/components/schemas/${name}` };
  }

  /** Adds a component built by the document (a body of several fields, the validation errors) and refers to it. */
  define(name: string, schema: JsonSchema): JsonSchema {
    this.#schemas.set(name, schema);
    return { $ref: `#/components/schemas/${name}` };
  }

  /** `components.schemas`, sorted by name as FastAPI sorts them. */
  components(): Record<string, JsonSchema> {
    const entries = [...this.#schemas].filter((e): e is [string, JsonSchema] => e[1] !== undefined);
    return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  #modelSchema(cls: Function): JsonSchema {
    const model = describeModel(cls);
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const field of model.fields) {
      let schema = this.fieldSchema(field.type, field.constraints);
      // An optional field may be absent or null: fastts (like class-validator's @IsOptional) accepts both.
      if (field.optional) schema = nullable(schema);
      schema = { ...schema, title: titleCase(field.name) };
      if (field.optional && field.default !== undefined && isJson(field.default)) schema['default'] = field.default;
      // @Exclude(): accepted in requests, never sent back.
      if (field.excluded) schema['writeOnly'] = true;
      properties[field.name] = ordered(schema);
      if (!field.optional) required.push(field.name);
    }
    const schema: JsonSchema = { type: 'object', properties };
    if (required.length > 0) schema['required'] = required;
    if (model.forbidExtra) schema['additionalProperties'] = false;
    schema['title'] = cls.name;
    return ordered(schema);
  }

  /** Component names must match `^[a-zA-Z0-9._-]+$`; two classes of one name get `Name2`, `Name3`. */
  #freeName(className: string): string {
    const base = className.replace(/[^A-Za-z0-9._-]/g, '_') || 'Model';
    let name = base;
    for (let n = 2; this.#schemas.has(name); n++) name = `${base}${n}`;
    return name;
  }
}

function isJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJson);
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value as object).every(isJson);
  return false;
}

function isDecimal(type: unknown): type is DecimalToken {
  return typeof type === 'object' && type !== null && !Array.isArray(type) && (type as { name?: unknown }).name === 'Decimal';
}

/**
 * pydantic's Decimal in validation mode: a number or a string of the pattern
 * it writes, narrowed by `max_digits`/`decimal_places` as pydantic narrows it.
 */
function decimalSchema({ maxDigits, decimalPlaces }: DecimalToken): JsonSchema {
  // pydantic's _get_decimal_pattern: not empty, nor only signs and dots; then the digits allowed.
  let pattern = '^(?!^[-+.]*$)[+-]?0*';
  if (maxDigits !== undefined && decimalPlaces !== undefined) {
    const whole = Math.max(0, maxDigits - decimalPlaces);
    pattern += `(?:\\d{0,${whole}}|(?=[\\d.]{1,${maxDigits + 1}}0*$)\\d{0,${whole}}\\.\\d{0,${decimalPlaces}}0*$)`;
  } else if (maxDigits !== undefined) pattern += `(?:\\d{0,${maxDigits}}|(?=[\\d.]{1,${maxDigits + 1}}0*$)\\d*\\.\\d*0*$)`;
  else if (decimalPlaces !== undefined) pattern += `\\d*\\.?\\d{0,${decimalPlaces}}0*$`;
  else pattern += '\\d*\\.?\\d*$';
  return { anyOf: [{ type: 'number' }, { type: 'string', pattern }] };
}
