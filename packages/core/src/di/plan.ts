import { BackgroundTasks } from '../background.js';
import { getDesignParamTypes, getParamSpecs } from '../decorators/metadata.js';
import type { DependsSpec, ParamSource, ParamSpec, ValueSpec } from '../decorators/params.js';
import { UnionType } from '../decorators/compound-types.js';
import { Int, type TypeToken } from '../decorators/type-tokens.js';
import { FastTsError } from '../errors/codes.js';
import { Request } from '../http/request.js';
import { Response } from '../http/response.js';
import { Session } from '../http/session.js';
import { UploadFile } from '../http/upload-file.js';
import { WebSocket } from '../websocket/websocket.js';
import { securitySchemeOf } from '../security/scheme.js';
import { mergeScopes, SecurityScopes } from '../security/scopes.js';
import { constrainedConverter, refuseConstraints } from '../validation/param-constraints.js';
import { compileModel, isModelClass, mayBeAsync } from '../validation/model.js';
import { tokenDesignType } from '../validation/more-converters.js';
import type { Converter, Loc } from '../validation/scalars.js';
import { declaredParams } from './depends.js';
import { constructorInvoker, functionInvoker, methodInvoker, type Invoker } from './invoke.js';

export type InjectToken = 'request' | 'response' | 'tasks' | 'scopes' | 'websocket' | 'session';

export interface DependencyStep {
  /** Argument position, or -1 for route/controller/app dependencies whose value is discarded. */
  index: number;
  plan: Plan;
  useCache: boolean;
  /** The dependency as declared, before `dependencyOverrides` (OpenAPI documents this one). */
  dependency: Function;
  /** The scopes of its own `Security()` marker; empty for `Depends()`. */
  scopes: readonly string[];
}

export interface ValueStep {
  index: number;
  source: ParamSource;
  /** Key in its source; undefined for a whole-body parameter. */
  key: string | undefined;
  required: boolean;
  default: unknown;
  /** Whether the raw value may be a list (query and header lists). */
  many: boolean;
  /** A model read from a whole source (`@Query() filters: Filters`): field name → key in the source. */
  group: [field: string, key: string][] | undefined;
  convert: Converter;
  /** No model inside: the converter records its issues before it returns (a model's async constraint may record them later). */
  syncIssues: boolean;
  /** Where errors point: `[source, key]`, or for the body `['body']`. */
  loc: Loc;
  /** For a body parameter read under its name (several body parameters, or `embed`). */
  embeddedLoc: Loc;
  spec: ValueSpec;
  type: TypeToken;
}

export interface InjectStep {
  index: number;
  token: InjectToken;
}

/**
 * What to do, per request, to call one function: its dependencies, the values
 * to read and convert, the framework objects to hand over. Built once, when
 * the app compiles its routes; a request only walks it.
 */
export interface Plan {
  /**
   * Cache key for the per-request dependency cache: the function itself, or
   * for a dependency that reads scopes under some `Security()`, one key per
   * function and set of scopes (FastAPI's `_get_cache_key`).
   */
  readonly key: object;
  readonly label: string;
  readonly arity: number;
  readonly invoke: Invoker;
  /** Generator functions are dependencies with cleanup. */
  readonly cleanup: 'none' | 'sync' | 'async';
  readonly deps: DependencyStep[];
  /** In FastAPI's order of error reporting: path, query, header, cookie, body. */
  readonly values: ValueStep[];
  readonly injects: InjectStep[];
  /** The scopes of every `Security()` above it, merged; empty for most plans. */
  readonly scopes: readonly string[];
  /** What a `SecurityScopes` parameter receives (one frozen value per plan). */
  readonly securityScopes: SecurityScopes | undefined;
  /**
   * Whether its value can depend on the scopes above it: it reads
   * SecurityScopes, is a security scheme, or something under it is or has a
   * `Security()` of its own. Only such plans are compiled once per scope set.
   */
  readonly usesScopes: boolean;
}

export interface DependencySpecWithScopes extends DependsSpec {
  scopes?: readonly string[];
}

const NO_SCOPES: readonly string[] = Object.freeze([]);

const SOURCE_ORDER: Record<ParamSource, number> = { path: 0, query: 1, header: 2, cookie: 3, body: 4, form: 4, file: 4 };

const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor;
const AsyncGeneratorFunction = Object.getPrototypeOf(async function* () {}).constructor;

/**
 * Compiles plans for one version of the app's routes. Dependency plans are
 * shared between the routes that use the same dependency, and overrides are
 * applied here, so a request never looks them up.
 */
export class PlanCompiler {
  readonly #overrides: ReadonlyMap<Function, Function>;
  readonly #plans = new Map<Function, Plan>();
  /** Plans compiled under a set of scopes: function, then the scopes joined by spaces. */
  readonly #scoped = new Map<Function, Map<string, Plan>>();
  readonly #scopeKeys = new Map<Function, Map<string, object>>();
  readonly #stack: Function[] = [];

  constructor(overrides: ReadonlyMap<Function, Function>) {
    this.#overrides = overrides;
  }

  /** The plan of a route handler: extra dependencies first, then its own parameters. */
  handler(label: string, instance: object, method: Function, specs: (ParamSpec | undefined)[], designTypes: unknown[] | undefined, extra: DependsSpec[]): Plan {
    const plan = this.#build(label, method, method.length, specs, designTypes, (arity) => methodInvoker(method, instance, arity), 'none', NO_SCOPES);
    const extraSteps = extra.map((spec) => this.#step(-1, spec, NO_SCOPES));
    return { ...plan, deps: [...extraSteps, ...plan.deps], usesScopes: plan.usesScopes || extraSteps.some(stepUsesScopes) };
  }

  /**
   * The plan of a dependency; `scopes`: those of every `Security()` above it,
   * its own included. A plan that does not use them is the same for every
   * set of scopes, so only plans that do are compiled again per set.
   */
  dependency(original: Function, scopes: readonly string[] = NO_SCOPES): Plan {
    const plan = this.#unscoped(original);
    if (scopes.length === 0 || !plan.usesScopes) return plan;
    const target = this.#overrides.get(original) ?? original;
    const id = scopes.join(' ');
    const byScopes = this.#scoped.get(target) ?? this.#scoped.set(target, new Map()).get(target)!;
    const known = byScopes.get(id);
    if (known) return known;
    // No cycle to check: the plan without scopes, compiled first, would have thrown.
    const scoped = { ...this.#dependencyPlan(target, scopes), key: this.#scopeKey(target, scopes) };
    byScopes.set(id, scoped);
    return scoped;
  }

  #unscoped(original: Function): Plan {
    const target = this.#overrides.get(original) ?? original;
    const known = this.#plans.get(target);
    if (known) return known;
    if (this.#stack.includes(target)) {
      throw new FastTsError('FASTTS_ERR_DEPENDENCY_CYCLE', [...this.#stack, target].map(nameOf).join(' -> '));
    }
    this.#stack.push(target);
    try {
      const plan = this.#dependencyPlan(target, NO_SCOPES);
      this.#plans.set(target, plan);
      return plan;
    } finally {
      this.#stack.pop();
    }
  }

  /** FastAPI keys the cache by the set of scopes: their order does not make another value. */
  #scopeKey(target: Function, scopes: readonly string[]): object {
    const id = [...new Set(scopes)].sort().join(' ');
    const keys = this.#scopeKeys.get(target) ?? this.#scopeKeys.set(target, new Map()).get(target)!;
    return keys.get(id) ?? keys.set(id, Object.freeze({ dependency: target, scopes: id })).get(id)!;
  }

  #step(index: number, spec: DependencySpecWithScopes, parentScopes: readonly string[]): DependencyStep {
    const own = spec.scopes ?? NO_SCOPES;
    return { index, plan: this.dependency(spec.dependency, mergeScopes(parentScopes, own)), useCache: spec.useCache, dependency: spec.dependency, scopes: own };
  }

  #dependencyPlan(target: Function, scopes: readonly string[]): Plan {
    const label = nameOf(target);
    if (isClass(target)) {
      const Ctor = target as new (...args: unknown[]) => unknown;
      return this.#build(label, target, target.length, getParamSpecs(target), getDesignParamTypes(target), (arity) => constructorInvoker(Ctor, arity), 'none', scopes);
    }
    const cleanup = target instanceof AsyncGeneratorFunction ? 'async' : target instanceof GeneratorFunction ? 'sync' : 'none';
    const invokerFor = (arity: number) => functionInvoker(target, arity);
    const params = declaredParams(target);
    if (params === undefined) {
      if (target.length > 0) throw new FastTsError('FASTTS_ERR_DEPENDENCY_PARAMS', label, target.length);
      return this.#build(label, target, 0, [], [], invokerFor, cleanup, scopes);
    }
    const specs = params.map((p) => ('spec' in p ? p.spec : undefined));
    // No emitted metadata here: an untyped value is a string (the body: any JSON), as its marker's type
    // says; a declared type stands alone, with no design type to contradict it.
    const types = params.map((p) =>
      'spec' in p ? (p.spec.kind === 'value' && p.spec.type === undefined ? (p.spec.source === 'body' ? Object : String) : undefined) : p,
    );
    return this.#build(label, target, params.length, specs, types, invokerFor, cleanup, scopes);
  }

  #build(
    label: string,
    key: Function,
    declaredArity: number,
    specs: (ParamSpec | undefined)[],
    designTypes: unknown[] | undefined,
    invokerFor: (arity: number) => Invoker,
    cleanup: Plan['cleanup'],
    scopes: readonly string[],
  ): Plan {
    const arity = Math.max(declaredArity, specs.length);
    const needsTypes = Array.from({ length: arity }, (_, i) => specs[i]).some((s) => s === undefined || s.kind === 'value');
    if (designTypes === undefined && needsTypes) {
      throw new FastTsError('FASTTS_ERR_NO_DESIGN_TYPES', label);
    }
    const deps: DependencyStep[] = [];
    const values: ValueStep[] = [];
    const injects: InjectStep[] = [];
    for (let index = 0; index < arity; index++) {
      const spec = specs[index];
      const designType = designTypes?.[index];
      if (spec?.kind === 'depends') {
        deps.push(this.#step(index, spec, scopes));
      } else if (spec?.kind === 'value') {
        values.push(valueStep(label, index, spec, designType));
      } else {
        const token = injectToken(spec?.kind === 'inject' ? spec.token : designType);
        if (token === undefined) throw new FastTsError('FASTTS_ERR_PARAM_UNDECLARED', label, index, typeName(designType));
        injects.push({ index, token });
      }
    }
    values.sort((a, b) => SOURCE_ORDER[a.source] - SOURCE_ORDER[b.source]);
    const readsScopes = injects.some((i) => i.token === 'scopes');
    const usesScopes = readsScopes || securitySchemeOf(key) !== undefined || deps.some(stepUsesScopes);
    const securityScopes = readsScopes ? new SecurityScopes(scopes) : undefined;
    return { key, label, arity, invoke: invokerFor(arity), cleanup, deps, values, injects, scopes, securityScopes, usesScopes };
  }
}

function valueStep(label: string, index: number, spec: ValueSpec, designType: unknown): ValueStep {
  if (spec.type !== undefined && contradicts(spec.type, designType)) {
    throw new FastTsError('FASTTS_ERR_PARAM_TYPE_CONFLICT', label, spec.name ?? `#${index}`, tokenName(spec.type), typeName(designType));
  }
  let type = (spec.type ?? designType) as TypeToken | undefined;
  if (spec.source === 'file') return fileStep(label, index, spec, type);
  const text = spec.source !== 'body';
  // A list's element type is not emitted: only a body may hold a list of anything.
  if (type === Array) {
    if (text) throw new FastTsError('FASTTS_ERR_PARAM_TYPE_AMBIGUOUS', label, spec.name ?? `#${index}`, 'Array (element type unknown)');
    type = [Object];
  }
  if (isModelClass(type) && compileModel(type).fields.length === 0) throw new FastTsError('FASTTS_ERR_MODEL_EMPTY', type.name);
  let group: ValueStep['group'];
  if (spec.name === undefined && text) {
    // FastAPI 0.115's grouped parameters: one model reads its fields from the whole source.
    if (!isModelClass(type)) throw new FastTsError('FASTTS_ERR_PARAM_GROUP', label, capitalize(spec.source), typeName(type));
    const convertNames = spec.source === 'header' && (spec.options as { convertUnderscores?: boolean }).convertUnderscores !== false;
    group = compileModel(type).fields.map((f) => [f.name, spec.source === 'header' ? (convertNames ? f.name.replaceAll('_', '-') : f.name).toLowerCase() : f.name]);
  } else if (text && isModelClass(type)) {
    throw new FastTsError('FASTTS_ERR_PARAM_MODEL_NAMED', label, spec.name, type.name);
  } else if (type === undefined || (text && (type === Object || !isKnownScalar(type)))) {
    if (spec.source === 'body') type = Object;
    else throw new FastTsError('FASTTS_ERR_PARAM_TYPE_AMBIGUOUS', label, spec.name ?? `#${index}`, typeName(type));
  }
  return {
    index,
    source: spec.source,
    key: spec.name,
    required: spec.required,
    default: spec.default,
    many: Array.isArray(type),
    group,
    convert: constrainedConverter(type!, spec.options, text, [label, spec.name ?? `#${index}`]),
    // A union with an async member records its issues when it settles.
    syncIssues: !group && !holdsModel(type) && !mayBeAsync(type),
    loc: spec.source === 'form' ? (group ? ['body'] : ['body', spec.name!]) : spec.source === 'body' || group ? [spec.source] : [spec.source, spec.name!],
    embeddedLoc: spec.name === undefined ? ['body'] : ['body', spec.name],
    spec,
    type: type!,
  };
}

/** A file parameter: one UploadFile, or all of them under the name. */
function fileStep(label: string, index: number, spec: ValueSpec, type: unknown): ValueStep {
  const many = Array.isArray(type) && type[0] === UploadFile;
  if (!many && type !== UploadFile) throw new FastTsError('FASTTS_ERR_FILE_TYPE', label, spec.name, typeName(type));
  refuseConstraints(type, spec.options, [label, spec.name!]);
  return {
    index,
    source: 'file',
    key: spec.name,
    required: spec.required,
    default: spec.default,
    many,
    group: undefined,
    convert: (files) => (many ? files : (files as UploadFile[])[0]),
    syncIssues: true,
    loc: ['body', spec.name!],
    embeddedLoc: ['body', spec.name!],
    spec,
    type: type as TypeToken,
  };
}

/**
 * Whether a declared `type` cannot be what TypeScript says the parameter is:
 * Int or Number for a `string`, a list for a scalar, a scalar for an array.
 * `Object` (a union, an optional, `any`, an interface) and no metadata say
 * nothing, so they agree with any type, and so does a declared `Object`.
 */
function contradicts(declared: unknown, designType: unknown): boolean {
  if (designType === undefined || designType === Object || declared === Object) return false;
  if (Array.isArray(declared)) return designType !== Array;
  if (designType === Array) return true;
  if (declared === Int) return designType !== Number;
  if (declared === Number || declared === String || declared === Boolean || declared === Date) return designType !== declared;
  // A union contradicts only a type none of its members can be (`unionOf(Int, Number)` for a `number`).
  if (declared instanceof UnionType) return (declared.members as readonly unknown[]).every((member) => contradicts(member, designType));
  const token = tokenDesignType(declared);
  if (token !== undefined) return designType !== token;
  // A model class: only a scalar design type contradicts it (another class may be its base or an interface's emit).
  return designType === String || designType === Number || designType === Boolean || designType === Date;
}

function tokenName(type: unknown): string {
  return Array.isArray(type) ? `[${typeName(type[0])}]` : typeName(type);
}

function isKnownScalar(type: unknown): boolean {
  if (Array.isArray(type)) return type.length === 1 && isKnownScalar(type[0]);
  // A union of scalars (`int | str`) is read from text too; a union of models is a body's.
  if (type instanceof UnionType) return type.discriminator === undefined && (type.members as readonly unknown[]).every((member) => !Array.isArray(member) && isKnownScalar(member));
  return type === String || type === Number || type === Boolean || type === Date || type === Int || tokenDesignType(type) !== undefined;
}

function injectToken(type: unknown): InjectToken | undefined {
  if (typeof type !== 'function') return undefined;
  if (type === Request || type.prototype instanceof Request) return 'request';
  if (type === Response) return 'response';
  if (type === BackgroundTasks || type.prototype instanceof BackgroundTasks) return 'tasks';
  if (type === SecurityScopes) return 'scopes';
  if (type === WebSocket) return 'websocket';
  if (type === Session) return 'session';
  return undefined;
}

// A class's `prototype` property is read-only; a plain function's is writable
// and an arrow function has none.
function isClass(fn: Function): boolean {
  return Object.getOwnPropertyDescriptor(fn, 'prototype')?.writable === false;
}

function stepUsesScopes(step: DependencyStep): boolean {
  return step.scopes.length > 0 || step.plan.usesScopes;
}

function nameOf(fn: Function): string {
  return fn.name || 'anonymous';
}

function typeName(type: unknown): string {
  if (type === undefined) return 'undefined';
  if (typeof type === 'function') return type.name || 'anonymous';
  return String((type as { name?: string }).name ?? type);
}


function capitalize(word: string): string {
  return word[0]!.toUpperCase() + word.slice(1);
}

function holdsModel(type: unknown): boolean {
  return Array.isArray(type) ? holdsModel(type[0]) : isModelClass(type);
}
