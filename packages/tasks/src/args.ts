import { createRequire } from 'node:module';
import type * as ClassTransformer from 'class-transformer';
import type * as ClassValidator from 'class-validator';
import type { ValidationError } from 'class-validator';
import { TaskArgumentsError } from './errors.js';

// Loaded with the first model argument: class-validator's index alone is about
// 14 MB of memory, and most tasks take plain JSON. `require`, not `import`, as
// in @fastts/core (see its README).
const load = createRequire(import.meta.url);
let libraries: { transformer: typeof ClassTransformer; validator: typeof ClassValidator } | undefined;
const modelLibraries = () =>
  (libraries ??= { transformer: load('class-transformer') as typeof ClassTransformer, validator: load('class-validator') as typeof ClassValidator });

/** A value JSON carries unchanged. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

type Scalar = string | number | boolean | null | undefined;

/**
 * `T` if it survives a trip through JSON: scalars, arrays, and objects of
 * those (class instances too, as long as they hold only data). Functions,
 * Dates, Maps, bigints and `unknown` are refused.
 */
export type JsonSafe<T> = T extends Scalar ? T : T extends bigint | symbol | Function ? never : { [K in keyof T]: JsonSafe<T[K]> };

/** A class-validator model class. */
export type ModelClass = new (...args: any[]) => object;

/** A parameter list where each position is JSON-safe, or an instance of the model given for it. */
type Checked<A, M> = {
  [K in keyof A]: K extends keyof M ? (M[K] extends new (...args: any[]) => infer I ? (A[K] extends I ? A[K] : JsonSafe<A[K]>) : JsonSafe<A[K]>) : JsonSafe<A[K]>;
};

/** Type-level check of a task's parameter list (with its models); the error names the rule. */
export type JsonArgs<A, M = []> = [A] extends [Checked<A, M>] ? unknown : { 'task arguments must be JSON-safe (see @fastts/tasks docs)': Checked<A, M> };

/**
 * Checks a task's arguments where they are added (so the handler that passes
 * bad ones fails, not the task later) and turns them into the JSON form every
 * backend stores. Arguments at a position with a model are validated with
 * class-validator; all others must be plain JSON values.
 */
export function encodeArgs(task: string, args: readonly unknown[], models: readonly (ModelClass | undefined)[] = []): Json[] {
  const problems: string[] = [];
  // Trailing undefined arguments are optional parameters left out: JSON has no undefined.
  let length = args.length;
  while (length > 0 && args[length - 1] === undefined) length--;
  const encoded: Json[] = [];
  for (let i = 0; i < length; i++) {
    const model = models[i];
    const value = args[i];
    if (model) {
      const { transformer, validator } = modelLibraries();
      const plain = value instanceof model ? transformer.instanceToPlain(value) : value;
      if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
        problems.push(`argument ${i}: expected an object for model ${model.name}`);
        continue;
      }
      const errors = validator.validateSync(transformer.plainToInstance(model, plain) as object);
      for (const error of errors) problems.push(...describe(`argument ${i}`, error));
      checkJson(plain, `argument ${i}`, problems);
      encoded.push(plain as Json);
    } else {
      checkJson(value, `argument ${i}`, problems);
      encoded.push(value as Json);
    }
  }
  if (problems.length > 0) throw new TaskArgumentsError(task, problems);
  // A copy, so the handler changing its objects afterwards does not change the task.
  return JSON.parse(JSON.stringify(encoded)) as Json[];
}

/** The arguments a task function receives: stored JSON, with model positions turned back into instances. */
export function decodeArgs(args: readonly Json[], models: readonly (ModelClass | undefined)[] = []): unknown[] {
  return args.map((value, i) => {
    const model = models[i];
    return model && value !== null && typeof value === 'object' ? modelLibraries().transformer.plainToInstance(model, value) : value;
  });
}

function checkJson(value: unknown, path: string, problems: string[]): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) problems.push(`${path}: ${value} is not a finite number`);
      return;
    case 'object':
      if (value === null) return;
      if (Array.isArray(value)) {
        value.forEach((item, i) => (item === undefined ? problems.push(`${path}[${i}]: undefined in a list`) : checkJson(item, `${path}[${i}]`, problems)));
        return;
      }
      if (!isPlainObject(value)) {
        problems.push(`${path}: ${value.constructor?.name ?? 'object'} is not a plain object (give the position a model, or pass plain data)`);
        return;
      }
      for (const [key, item] of Object.entries(value)) {
        // An absent optional property: JSON drops it, as the receiver expects.
        if (item !== undefined) checkJson(item, `${path}.${key}`, problems);
      }
      return;
    default:
      problems.push(`${path}: a ${typeof value} cannot be stored as JSON`);
  }
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(path: string, error: ValidationError): string[] {
  const here = `${path}.${error.property}`;
  const own = Object.values(error.constraints ?? {}).map((message) => `${here}: ${message}`);
  return [...own, ...(error.children ?? []).flatMap((child) => describe(here, child))];
}
