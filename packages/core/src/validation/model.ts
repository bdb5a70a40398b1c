import type * as ClassValidator from 'class-validator';
import type { ValidationArguments } from 'class-validator';
import { lazy } from '../internal/lazy.js';
import type { ValidationIssue } from '../errors/validation-error.js';
import { RecordType, UnionType } from '../decorators/compound-types.js';
import { Int, UUID } from '../decorators/type-tokens.js';
import { exposedProperties, isExcluded, transformedType } from './class-transformer-storage.js';
import { awaitedList } from './compound.js';
import { constraintIssue } from './constraint-issues.js';
import { modelOptions } from './model-options.js';
import { fieldTypeOf, typedProperties } from './field-types.js';
import { moreConverter } from './more-converters.js';
import { nativeCheck, type NativeCheck } from './native-checks.js';
import { INVALID, anything, bool, float, int, issue, list, locate, string, type Converter, type Loc } from './scalars.js';
import { dateTime } from './temporal.js';

export interface Check {
  name: string;
  constraints: unknown[];
  each: boolean;
  message: string | ((args: ValidationArguments) => string) | undefined;
  validate(value: unknown, args: ValidationArguments): boolean | Promise<boolean>;
  defaultMessage(args: ValidationArguments): string;
  /** The same rule in plain JS, for class-validator's common built-ins (see native-checks.ts). */
  quick: NativeCheck | undefined;
  /** Declared async (`async: true`, or an `async validate`): a union awaits a member holding one. */
  async: boolean;
}

interface FieldPlan {
  name: string;
  /** The field's initial value on a new instance (pydantic's default), if any. */
  default: unknown;
  /** class-transformer's @Exclude(): validated, but never sent in a response. */
  excluded: boolean;
  /** The field's type: a scalar token, a model class, or a one-element list of either. */
  type: unknown;
  optional: boolean;
  /** A list field: a repeated query key stays a list. */
  many: boolean;
  convert: Converter;
  checks: Check[];
  /** `@ValidateIf` conditions: when one is false, the field is not validated. */
  conditions: ((object: unknown, value: unknown) => boolean)[];
  /** Its converter returns a promise (a union with an async member, or a list of them): see validateDeferred. */
  deferred: boolean;
}

/**
 * A model class compiled once from its class-validator and class-transformer
 * metadata: for each field, how to convert the raw value (with pydantic's lax
 * rules and error types) and which constraints to check. Constraints run
 * through class-validator's own constraint classes, so custom ones work too.
 */
export interface ModelPlan {
  readonly cls: Function;
  readonly fields: FieldPlan[];
  readonly names: ReadonlySet<string>;
  readonly forbidExtra: boolean;
  construct(): Record<string, unknown>;
  /** For a model with deferred fields: the plan validateModel reads (see validateDeferred). */
  deferredView?: ModelPlan;
}

const TYPE_CONSTRAINTS: Record<string, unknown> = {
  isString: String,
  isInt: Int,
  isNumber: Number,
  isBoolean: Boolean,
  isDate: Date,
  isArray: Array,
  isObject: Object,
  // class-validator's @IsUUID reads as pydantic's UUID: its own check still runs after, for a version.
  isUuid: UUID,
};
const STRUCTURAL = new Set(['isOptional', 'isDefined']);
const BUILTINS = new Set<unknown>([String, Number, Boolean, Date, Array, Object, Function, Promise, Map, Set, Buffer, Uint8Array, Symbol, BigInt]);

const plans = new WeakMap<Function, ModelPlan>();
/** Models whose fields are being compiled (a model may hold itself). */
const compiling = new Set<Function>();
// Only the metadata storage (a process-wide singleton), not class-validator's
// index, which loads every validator.js rule and libphonenumber-js (about 14 MB).
const validatorStorage = lazy<Pick<typeof ClassValidator, 'getMetadataStorage'>>('class-validator/cjs/metadata/MetadataStorage.js');

/** A class that is not a built-in type: treated as a model. */
export function isModelClass(type: unknown): type is new () => object {
  return typeof type === 'function' && !BUILTINS.has(type) && type.prototype !== undefined;
}

export function compileModel(cls: Function): ModelPlan {
  const known = plans.get(cls);
  if (known) return known;
  const fields: FieldPlan[] = [];
  // Registered before compiling fields, so self-referencing models terminate.
  const plan: ModelPlan = {
    cls,
    fields,
    names: new Set(),
    forbidExtra: modelOptions(cls).extra === 'forbid',
    construct: cls.length === 0 ? () => new (cls as new () => Record<string, unknown>)() : () => Object.create(cls.prototype),
  };
  plans.set(cls, plan);
  compiling.add(cls);
  try {
    compileFields(cls, plan, fields);
  } finally {
    compiling.delete(cls);
  }
  if (fields.some((field) => field.deferred)) plan.deferredView = deferredView(plan);
  return plan;
}

function compileFields(cls: Function, plan: ModelPlan, fields: FieldPlan[]): void {
  const storage = validatorStorage().getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(cls, '', true, false);
  const byProperty = new Map<string, typeof metadatas>();
  for (const m of metadatas) {
    const list = byProperty.get(m.propertyName) ?? [];
    list.push(m);
    byProperty.set(m.propertyName, list);
  }
  for (const name of exposedProperties(cls)) if (!byProperty.has(name)) byProperty.set(name, []);
  // Fields typed by fastts's own decorators (@IsDateOnly, @IsRecord, ...) and nothing else.
  for (const name of typedProperties(cls)) if (!byProperty.has(name)) byProperty.set(name, [{ type: 'fastts' } as unknown as (typeof metadatas)[number]]);
  const sample = cls.length === 0 ? safeConstruct(plan) : undefined;
  for (const [name, metas] of byProperty) {
    const designType: unknown = Reflect.getMetadata('design:type', cls.prototype, name);
    let typeHint: unknown;
    let eachType: unknown;
    const checks: Check[] = [];
    const conditions: FieldPlan['conditions'] = [];
    let optional = metas.length === 0;
    let nested = false;
    for (const m of metas) {
      if (m.type === 'conditionalValidation') {
        if (m.name === 'isOptional') optional = true;
        else conditions.push(m.constraints[0] as FieldPlan['conditions'][number]);
      } else if (m.type === 'nestedValidation') {
        nested = true;
      } else if (m.type === 'customValidation' && m.name && m.name in TYPE_CONSTRAINTS) {
        const hinted = TYPE_CONSTRAINTS[m.name];
        // @IsInt narrows @IsNumber, whichever order they are written in.
        if (m.each) eachType = eachType === Int && hinted === Number ? Int : hinted;
        else if (typeHint === Int && hinted === Number) continue;
        else if (m.name !== 'isArray' || typeHint === undefined) typeHint = hinted;
        // The number converter takes any number, as pydantic's float does;
        // @IsNumber's own rule (no infinities or NaN unless allowed, decimal
        // places) is checked as well, so `1e999` does not pass it.
        const check = m.name === 'isNumber' || m.name === 'isUuid' ? checkOf(storage, cls, name, m) : undefined;
        if (check) checks.push(check);
      } else if (m.type === 'customValidation' && !STRUCTURAL.has(m.name ?? '')) {
        const check = checkOf(storage, cls, name, m);
        if (check) checks.push(check);
      }
    }
    // Decorators run bottom-up; check in the order they read, top to bottom.
    checks.reverse();
    const nestedClass = transformedType(cls, name) ?? (nested && isModelClass(designType) ? designType : undefined);
    let type: unknown;
    if (nestedClass && isModelClass(nestedClass)) type = designType === Array || typeHint === Array ? [nestedClass] : nestedClass;
    else if (typeHint !== undefined && typeHint !== Array) type = typeHint === Number && designType === Number ? Number : typeHint;
    else if (eachType !== undefined) type = [eachType];
    else if (typeHint === Array || designType === Array) type = [Object];
    else type = designType;
    const typed = fieldTypeOf(cls, name);
    if (typed !== undefined) type = typed.each ? [typed.type] : typed.type;
    const deferred = holdsAsyncUnion(type);
    fields.push({
      name,
      type,
      default: sample?.[name],
      excluded: isExcluded(cls, name),
      optional,
      many: Array.isArray(type),
      convert: deferred && Array.isArray(type) ? awaitedList(fieldConverter(type[0])) : fieldConverter(type),
      checks,
      conditions,
      deferred,
    });
    (plan.names as Set<string>).add(name);
  }
}

type ValidationMetadata = ReturnType<ReturnType<ReturnType<typeof validatorStorage>['getMetadataStorage']>['getTargetValidationMetadatas']>[number];

/** A constraint decorator's check, run through class-validator's own constraint class (a native version when one agrees). */
function checkOf(storage: ReturnType<ReturnType<typeof validatorStorage>['getMetadataStorage']>, cls: Function, property: string, m: ValidationMetadata): Check | undefined {
  const constraint = storage.getTargetValidatorConstraints(m.constraintCls)[0];
  if (!constraint) return undefined;
  const instance = constraint.instance as Pick<Check, 'validate'> & { defaultMessage?: (args: ValidationArguments) => string };
  const checkName = m.name ?? constraint.name ?? 'custom';
  const constraints = m.constraints ?? [];
  return {
    name: checkName,
    constraints,
    each: m.each,
    message: m.message as Check['message'],
    validate: (value, args) => instance.validate(value, args),
    defaultMessage: (args) => instance.defaultMessage?.(args) ?? `${args.property} is invalid`,
    quick: nativeCheck(checkName, constraints, (value) => instance.validate(value, { value, constraints, targetName: cls.name, object: {}, property })),
    async: constraint.async === true || instance.validate instanceof AsyncFunction,
  };
}

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;

/**
 * Whether validating a value of `type` may wait on an async constraint: a
 * model with one, in any model it holds. Asked when a union compiles, so a
 * union of sync members keeps its synchronous converter.
 */
export function mayBeAsync(type: unknown, seen = new Set<unknown>()): boolean {
  if (Array.isArray(type)) return mayBeAsync(type[0], seen);
  if (type instanceof UnionType) return (type.members as readonly unknown[]).some((member) => mayBeAsync(member, seen));
  if (type instanceof RecordType) return mayBeAsync(type.value, seen);
  if (!isModelClass(type) || seen.has(type)) return false;
  seen.add(type);
  return compileModel(type).fields.some((field) => field.checks.some((check) => check.async) || mayBeAsync(field.type, seen));
}

/** A union, or a list of them, whose converter returns a promise (see compound.ts). */
function holdsAsyncUnion(type: unknown): boolean {
  const item = Array.isArray(type) ? type[0] : type;
  return item instanceof UnionType && mayBeAsync(item);
}

function safeConstruct(plan: ModelPlan): Record<string, unknown> | undefined {
  try {
    return plan.construct();
  } catch {
    return undefined;
  }
}

function fieldConverter(type: unknown): Converter {
  if (Array.isArray(type)) return list(fieldConverter(type[0]));
  if (type === String) return string;
  if (type === Number) return float;
  if (type === Int) return int;
  if (type === Boolean) return bool;
  if (type === Date) return dateTime;
  if (isModelClass(type)) return modelConverter(type);
  return moreConverter(type, fieldConverter) ?? anything;
}

export interface ModelReadOptions {
  /** Values come from the URL, headers or cookies: a repeated key reads its last value unless the field is a list. */
  text?: boolean;
  /** Read inherited and accessor properties too (response models read class instances). */
  output?: boolean;
}

/**
 * Validates `raw` against a model: an instance with only the model's fields,
 * or INVALID with issues recorded. Its location is `loc`, followed by `key`
 * when given (see Converter).
 */
export function validateModel(plan: ModelPlan, raw: unknown, loc: Loc, issues: ValidationIssue[], options: ModelReadOptions = {}, key?: string | number): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return issue(issues, 'model_attributes_type', loc, 'Input should be a valid dictionary or object to extract fields from', raw, key);
  }
  const here = locate(loc, key);
  const input = raw as Record<string, unknown>;
  const instance = plan.construct();
  let ok = true;
  let pending: Promise<void>[] | undefined;
  for (const field of plan.fields) {
    const present = Object.hasOwn(input, field.name) || (options.output === true && field.name in input);
    let value = present ? input[field.name] : undefined;
    if (value === undefined || (value === null && field.optional)) {
      if (value === null) instance[field.name] = null;
      else if (!field.optional) ok = issue(issues, 'missing', here, 'Field required', raw, field.name) !== INVALID;
      continue;
    }
    if (field.conditions.length > 0 && field.conditions.some((condition) => !condition(input, value))) {
      instance[field.name] = value;
      continue;
    }
    if (options.text) {
      // From the URL, headers or a form: a repeated key is a list, one occurrence a string.
      if (!field.many && Array.isArray(value)) value = value[value.length - 1];
      else if (field.many && typeof value === 'string') value = [value];
    }
    const converted = field.convert(value, here, issues, field.name);
    if (converted === INVALID) {
      ok = false;
      continue;
    }
    const outcome = field.checks.length === 0 ? true : runChecks(plan, field, converted, input, here, issues);
    if (outcome === false) ok = false;
    else if (outcome instanceof Promise) (pending ??= []).push(outcome.then((valid) => void (valid || (ok = false))));
    instance[field.name] = converted;
  }
  if (plan.forbidExtra) {
    for (const name of Object.keys(input)) {
      if (!plan.names.has(name)) ok = issue(issues, 'extra_forbidden', here, 'Extra inputs are not permitted', input[name], name) !== INVALID;
    }
  }
  if (pending) return Promise.all(pending).then(() => (ok ? instance : INVALID));
  return ok ? instance : INVALID;
}

/*
 * A model holding a union with an async member (a deferred field) is read by
 * validateModel through a view of its plan in which that field's converter
 * only starts the union and leaves a placeholder; validateDeferred then
 * awaits each union, runs the field's constraints on its value, and puts its
 * issues where the field is declared. Models without one never come here:
 * modelConverter picks the function when the route compiles.
 */

const PENDING: unique symbol = Symbol('pending');

interface Settling {
  field: FieldPlan;
  /** Where the field's issues go: the number of issues recorded before it. */
  at: number;
  issues: ValidationIssue[];
  loc: Loc;
  value: unknown;
}

// The deferred fields started by the validateModel call running now (it is synchronous, so one list per call, stacked for nested models).
const starting: Settling[][] = [];

/** The plan validateModel reads for a model with deferred fields. */
function deferredView(plan: ModelPlan): ModelPlan {
  const fields = plan.fields.map((field): FieldPlan => {
    if (!field.deferred) return field;
    const convert: Converter = (raw, loc, issues, key) => {
      const own: ValidationIssue[] = [];
      starting[starting.length - 1]!.push({ field, at: issues.length, issues: own, loc, value: field.convert(raw, loc, own, key) });
      return PENDING;
    };
    // Its constraints run on the settled value, in validateDeferred.
    return { ...field, convert, checks: [] };
  });
  return { ...plan, fields };
}

function validateDeferred(plan: ModelPlan, raw: unknown, loc: Loc, issues: ValidationIssue[], options: ModelReadOptions, key?: string | number): unknown {
  const started: Settling[] = [];
  starting.push(started);
  let result: unknown;
  try {
    result = validateModel(plan.deferredView!, raw, loc, issues, options, key);
  } finally {
    starting.pop();
  }
  return started.length === 0 ? result : settle(plan, result, raw as object, started, issues);
}

async function settle(plan: ModelPlan, result: unknown, input: object, started: Settling[], issues: ValidationIssue[]): Promise<unknown> {
  const instance = await result;
  let ok = instance !== INVALID;
  for (const field of started) {
    const value = await field.value;
    if (value === INVALID) ok = false;
    else if (field.field.checks.length > 0 && !(await runChecks(plan, field.field, value, input, field.loc, field.issues))) ok = false;
    else if (ok) (instance as Record<string, unknown>)[field.field.name] = value;
  }
  // The last first, so the earlier places hold.
  for (let i = started.length - 1; i >= 0; i--) issues.splice(started[i]!.at, 0, ...started[i]!.issues);
  return ok ? instance : INVALID;
}

/**
 * Checks constraints in declaration order; the first failure is the field's
 * one issue, as pydantic reports. The field's location is `loc` followed by
 * its name. A check with a native version that is sure of its answer skips
 * class-validator; the failure's message still comes from class-validator.
 */
function runChecks(plan: ModelPlan, field: FieldPlan, value: unknown, object: object, loc: Loc, issues: ValidationIssue[]): boolean | Promise<boolean> {
  for (let i = 0; i < field.checks.length; i++) {
    const check = field.checks[i]!;
    const quick = quickAnswer(check, value);
    if (quick === true) continue;
    const args: ValidationArguments = { value, constraints: check.constraints, targetName: plan.cls.name, object, property: field.name };
    if (quick === false) return fail(check, args, locate(loc, field.name), issues);
    const result = check.each && Array.isArray(value) ? everyOf(value.map((v) => check.validate(v, { ...args, value: v }))) : check.validate(value, args);
    if (result instanceof Promise) {
      // An async constraint (rare): the rest of the field's checks run after it.
      return result.then((valid) => {
        if (!valid) return fail(check, args, locate(loc, field.name), issues);
        const rest = { ...field, checks: field.checks.slice(i + 1) };
        return runChecks(plan, rest, value, object, loc, issues);
      });
    }
    if (!result) return fail(check, args, locate(loc, field.name), issues);
  }
  return true;
}

/**
 * The check's plain-JS answer for `value` (for every element, with `each`):
 * false if one fails, undefined when class-validator must decide.
 */
export function quickAnswer(check: Check, value: unknown): boolean | undefined {
  const quick = check.quick;
  if (quick === undefined) return undefined;
  if (!check.each || !Array.isArray(value)) return quick(value);
  let answer: boolean | undefined = true;
  for (const v of value) {
    const one = quick(v);
    if (one === false) return false;
    if (one === undefined) answer = undefined;
  }
  return answer;
}

function everyOf(results: (boolean | Promise<boolean>)[]): boolean | Promise<boolean> {
  if (results.some((r) => r instanceof Promise)) return Promise.all(results).then((all) => all.every(Boolean));
  return results.every(Boolean);
}

function fail(check: Check, args: ValidationArguments, loc: Loc, issues: ValidationIssue[]): false {
  const custom = typeof check.message === 'function' ? check.message(args) : check.message;
  issues.push(constraintIssue(check.name, check.constraints, args.value, loc, custom ?? fillTokens(check.defaultMessage(args), args)));
  return false;
}

function fillTokens(message: string, args: ValidationArguments): string {
  return message
    .replaceAll('$property', args.property)
    .replaceAll('$target', args.targetName)
    .replaceAll('$value', String(args.value))
    .replace(/\$constraint(\d+)/g, (_, n) => String(args.constraints[Number(n) - 1]));
}

/** Converter for a model-typed value (a body, a nested field, a grouped query). */
export function modelConverter(cls: Function, options: ModelReadOptions = {}): Converter {
  let plan: ModelPlan | undefined;
  // A model asked for while it compiles (it holds itself, or a model holding it) is compiled on first use and tells then whether it has deferred fields.
  if (compiling.has(cls)) {
    return (raw, loc, issues, key) => {
      plan ??= compileModel(cls);
      return plan.deferredView ? validateDeferred(plan, raw, loc, issues, options, key) : validateModel(plan, raw, loc, issues, options, key);
    };
  }
  const compiled = compileModel(cls);
  if (compiled.deferredView) return (raw, loc, issues, key) => validateDeferred(compiled, raw, loc, issues, options, key);
  return (raw, loc, issues, key) => validateModel(compiled, raw, loc, issues, options, key);
}
