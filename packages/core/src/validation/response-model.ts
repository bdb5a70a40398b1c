import type * as ClassTransformer from 'class-transformer';
import { lazy } from '../internal/lazy.js';
import type { TypeToken } from '../decorators/type-tokens.js';
import { ResponseValidationError, type ValidationIssue } from '../errors/validation-error.js';
import { converterFor } from './converter.js';
import { INVALID } from './scalars.js';
import { compileJsonWriter, runJsonWriter } from './json-writer.js';

const classTransformer = lazy<typeof ClassTransformer>('class-transformer');

/**
 * Compiles a route's `responseModel` into a function that validates a return
 * value, keeps only the model's fields and applies class-transformer's
 * @Exclude/@Expose, or throws ResponseValidationError. With `jsonText` (a
 * JSONResponse route), a value the compiled JSON writer accepts comes back as
 * its JSON text, in one pass; anything else takes the full path.
 */
export function responseSerializer(model: TypeToken, options: { jsonText?: boolean } = {}): (value: unknown) => unknown {
  const full = validatingSerializer(model);
  const write = options.jsonText ? compileJsonWriter(model) : undefined;
  if (write === undefined) return full;
  return (value) => runJsonWriter(write, value) ?? full(value);
}

function validatingSerializer(model: TypeToken): (value: unknown) => unknown {
  const convert = converterFor(model, { output: true });
  const finish = (converted: unknown, issues: ValidationIssue[]) => {
    if (converted === INVALID) throw new ResponseValidationError(issues);
    return classTransformer().instanceToPlain(converted);
  };
  return (value) => {
    const issues: ValidationIssue[] = [];
    const converted = convert(value, ['response'], issues);
    return converted instanceof Promise ? converted.then((c) => finish(c, issues)) : finish(converted, issues);
  };
}
