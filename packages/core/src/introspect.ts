import type { RouteInfo } from './compile.js';
import type { RouteOptions } from './decorators/methods.js';
import type { ParamSource, ValueOptions } from './decorators/params.js';
import type { Plan, ValueStep } from './di/plan.js';
import { compileModel, isModelClass } from './validation/model.js';

/**
 * A read-only view of what fastts compiled, for tools such as the OpenAPI
 * generator: every parameter a route reads (its own and its dependencies'),
 * its body, and the fields and constraints of model classes. Nothing here
 * runs per request.
 */

export interface ParameterDescription {
  source: Exclude<ParamSource, 'body' | 'form' | 'file'>;
  name: string;
  /** A scalar token (String, Number, Int, Boolean, Date) or a one-element list of one. */
  type: unknown;
  required: boolean;
  default: unknown;
  options: ValueOptions;
  /** For a field of a grouped model (`@Query() filters: Filters`): its class-validator constraints. */
  constraints: ModelFieldDescription['constraints'];
}

export interface BodyFieldDescription {
  name: string;
  type: unknown;
  required: boolean;
  default: unknown;
  file: boolean;
  options: ValueOptions;
}

export interface BodyDescription {
  /** `json`: application/json; `form`: urlencoded, or multipart when `files` is true. */
  kind: 'json' | 'form';
  files: boolean;
  required: boolean;
  /** The whole body is one value of this type (one body parameter, not embedded), or a form model. */
  whole: { type: unknown; required: boolean; options: ValueOptions } | undefined;
  /** Otherwise, the body's fields by parameter name. */
  fields: BodyFieldDescription[];
}

export interface RouteDescription {
  label: string;
  methods: readonly string[];
  path: string;
  statusCode: number;
  tags: readonly string[];
  options: RouteOptions;
  parameters: ParameterDescription[];
  body: BodyDescription | undefined;
}

export interface ModelFieldDescription {
  name: string;
  type: unknown;
  optional: boolean;
  /** Initial value of the field on a new instance (undefined when none or when the class needs arguments). */
  default: unknown;
  /** `@Exclude()`: read from requests, never written to responses. */
  excluded: boolean;
  /** class-validator constraints other than type checks, e.g. `{ name: 'min', constraints: [0] }`. */
  constraints: { name: string; constraints: unknown[]; each: boolean }[];
}

export interface ModelDescription {
  cls: Function;
  name: string;
  forbidExtra: boolean;
  fields: ModelFieldDescription[];
}

/** Every parameter and body field a route reads, in FastAPI's order, each once. */
export function describeRoute(route: RouteInfo): RouteDescription {
  const steps: ValueStep[] = [];
  const seen = new Set<Plan>();
  const visit = (plan: Plan) => {
    if (seen.has(plan)) return;
    seen.add(plan);
    for (const dep of plan.deps) visit(dep.plan);
    for (const step of plan.values) if (!steps.includes(step)) steps.push(step);
  };
  visit(route.plan);
  const parameters: ParameterDescription[] = [];
  for (const step of steps) {
    if (step.source === 'body' || step.source === 'form' || step.source === 'file') continue;
    if (step.group) {
      const model = describeModel(step.type as Function);
      for (const [field, key] of step.group) {
        const f = model.fields.find((x) => x.name === field)!;
        parameters.push({ source: step.source, name: key, type: f.type, required: !f.optional, default: f.default, options: {}, constraints: f.constraints });
      }
    } else {
      parameters.push({ source: step.source, name: step.key!, type: step.type, required: step.required, default: step.default, options: step.spec.options, constraints: [] });
    }
  }
  return {
    label: route.label,
    methods: route.methods,
    path: route.path,
    statusCode: route.statusCode,
    tags: route.tags,
    options: route.options,
    parameters,
    body: describeBody(route, steps),
  };
}

function describeBody(route: RouteInfo, steps: ValueStep[]): BodyDescription | undefined {
  if (route.body === 'none') return undefined;
  const bodySteps = steps.filter((s) => s.source === 'body' || s.source === 'form' || s.source === 'file');
  const files = bodySteps.some((s) => s.source === 'file');
  const required = bodySteps.some((s) => s.required);
  const group = bodySteps.find((s) => s.group !== undefined || (s.source === 'form' && s.key === undefined));
  if (route.body === 'json' && !route.embedBody && bodySteps.length === 1) {
    const only = bodySteps[0]!;
    return { kind: 'json', files: false, required: only.required, whole: { type: only.type, required: only.required, options: only.spec.options }, fields: [] };
  }
  if (group) return { kind: 'form', files, required, whole: { type: group.type, required: true, options: group.spec.options }, fields: [] };
  const fields = bodySteps.map((s) => ({ name: s.key!, type: s.type, required: s.required, default: s.default, file: s.source === 'file', options: s.spec.options }));
  return { kind: route.body, files, required, whole: undefined, fields };
}

/** The fields of a model class as fastts validates them. */
export function describeModel(cls: Function): ModelDescription {
  const plan = compileModel(cls);
  return {
    cls,
    name: cls.name,
    forbidExtra: plan.forbidExtra,
    fields: plan.fields.map((f) => ({
      name: f.name,
      type: f.type,
      optional: f.optional,
      default: f.default,
      excluded: f.excluded,
      constraints: f.checks.map((c) => ({ name: c.name, constraints: c.constraints, each: c.each })),
    })),
  };
}

export { isModelClass };
