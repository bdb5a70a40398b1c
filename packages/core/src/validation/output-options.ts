import { compileModel, isModelClass, type ModelPlan } from './model.js';

/**
 * Field names to keep or drop: a list or set of names (top level), or an
 * object whose values are `true` (the whole field) or a selection inside that
 * field (a nested model, or each item of a list of models), as pydantic's
 * `include`/`exclude` dicts.
 *
 * @example
 * ```ts
 * @Get('/users/me', { responseModel: User, responseModelExclude: { password: true, address: ['zip'] } })
 * ```
 */
export type FieldSelection = readonly string[] | ReadonlySet<string> | { readonly [field: string]: true | FieldSelection };

/** FastAPI's `response_model_exclude_*`, `_include` and `_exclude` route options, as the serializer reads them. */
export interface OutputOptions {
  responseModelExcludeUnset?: boolean;
  responseModelExcludeDefaults?: boolean;
  responseModelExcludeNone?: boolean;
  responseModelInclude?: FieldSelection;
  responseModelExclude?: FieldSelection;
}

/** Whether a route asks for any output control: without it, serialisation stays exactly as it was. */
export function hasOutputOptions(options: OutputOptions): boolean {
  return (
    options.responseModelExcludeUnset === true ||
    options.responseModelExcludeDefaults === true ||
    options.responseModelExcludeNone === true ||
    options.responseModelInclude !== undefined ||
    options.responseModelExclude !== undefined
  );
}

/** A selection as a map from field name to `true` (whole field) or the selection inside it. */
export type Selection = ReadonlyMap<string, true | Selection>;

export function selection(value: FieldSelection | undefined): Selection | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value) || value instanceof Set) return new Map([...(value as Iterable<string>)].map((name) => [name, true as const]));
  return new Map(Object.entries(value).map(([name, inner]) => [name, inner === true ? true : selection(inner as FieldSelection)!]));
}

/** What one model's fields do: `drop` always (include/exclude), or `nested` selections to pass down. */
export interface FieldRule {
  drop: boolean;
  include: Selection | undefined;
  exclude: Selection | undefined;
}

/** Include/exclude resolved for one field: dropped outright, or the selections inside it. */
export function fieldRule(name: string, include: Selection | undefined, exclude: Selection | undefined): FieldRule {
  const inc = include?.get(name);
  const exc = exclude?.get(name);
  return {
    drop: (include !== undefined && inc === undefined) || exc === true,
    include: inc === true ? undefined : inc,
    exclude: exc === true ? undefined : exc,
  };
}

/**
 * A field is *unset* when the returned value gives it no value: the property
 * is missing or `undefined` (JSON cannot tell the two apart). A class
 * instance's initialised fields are therefore set; pydantic tracks the
 * constructor's arguments instead, which a TypeScript class does not record.
 */
export const isUnset = (raw: unknown, name: string): boolean => raw === null || typeof raw !== 'object' || (raw as Record<string, unknown>)[name] === undefined;

/**
 * Whether a field's value equals its default (the value of a new instance of
 * the model, read once at compile): pydantic's `value == default`, with
 * lists compared item by item and objects field by field.
 */
export function sameAsDefault(value: unknown, fallback: unknown): boolean {
  if (value === fallback) return true;
  if (value === null || fallback === null || typeof value !== 'object' || typeof fallback !== 'object') return false;
  if (value instanceof Date || fallback instanceof Date) return value instanceof Date && fallback instanceof Date && value.getTime() === fallback.getTime();
  if (Array.isArray(value) !== Array.isArray(fallback)) return false;
  if (Array.isArray(value)) {
    const other = fallback as unknown[];
    return value.length === other.length && value.every((item, i) => sameAsDefault(item, other[i]));
  }
  const a = value as Record<string, unknown>;
  const b = fallback as Record<string, unknown>;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) if (!sameAsDefault(a[key], b[key])) return false;
  return true;
}

/** Removes what the options leave out from a validated value, reading the returned value alongside for what was set. */
export type Prune = (raw: unknown, converted: unknown) => void;

/**
 * Compiles the options for a response model once per route: a function that
 * deletes, from the freshly validated instances (never the handler's own
 * objects), the fields the options leave out. Nested models and lists of
 * models are pruned with the same flags, as pydantic's `model_dump`.
 */
export function compilePrune(type: unknown, options: OutputOptions): Prune | undefined {
  return pruneFor(type, options, selection(options.responseModelInclude), selection(options.responseModelExclude));
}

function pruneFor(type: unknown, options: OutputOptions, include: Selection | undefined, exclude: Selection | undefined): Prune | undefined {
  if (Array.isArray(type)) {
    const item = pruneFor(type[0], options, include, exclude);
    if (item === undefined) return undefined;
    return (raw, converted) => {
      if (!Array.isArray(converted)) return;
      const items = Array.isArray(raw) ? raw : raw instanceof Set ? [...raw] : [];
      for (let i = 0; i < converted.length; i++) item(items[i], converted[i]);
    };
  }
  if (!isModelClass(type)) return undefined;
  return modelPrune(compileModel(type), options, include, exclude);
}

function modelPrune(plan: ModelPlan, options: OutputOptions, include: Selection | undefined, exclude: Selection | undefined): Prune {
  const { responseModelExcludeUnset: unset, responseModelExcludeDefaults: defaults, responseModelExcludeNone: none } = options;
  const fields = plan.fields.map((field) => {
    const rule = fieldRule(field.name, include, exclude);
    // Compiled on first use: a model may contain itself.
    let nested: Prune | undefined | null = null;
    const inner = () => (nested === null ? (nested = pruneFor(field.type, options, rule.include, rule.exclude)) : nested);
    return { name: field.name, fallback: field.default, drop: rule.drop, inner };
  });
  return (raw, converted) => {
    if (converted === null || typeof converted !== 'object') return;
    const out = converted as Record<string, unknown>;
    for (const field of fields) {
      const value = out[field.name];
      if (
        field.drop ||
        (unset && isUnset(raw, field.name)) ||
        (none && value === null) ||
        (defaults && field.fallback !== undefined && sameAsDefault(value, field.fallback))
      ) {
        delete out[field.name];
        continue;
      }
      if (value !== null && typeof value === 'object') field.inner()?.((raw as Record<string, unknown>)[field.name], value);
    }
  };
}
