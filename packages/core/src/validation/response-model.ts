import type * as ClassTransformer from 'class-transformer';
import { lazy } from '../internal/lazy.js';
import type { TypeToken } from '../decorators/type-tokens.js';
import { ResponseValidationError, type ValidationIssue } from '../errors/validation-error.js';
import { converterFor } from './converter.js';
import { INVALID } from './scalars.js';
import { compileJsonWriter } from './json-writer.js';
import { JsonText } from '../http/response.js';

/**
 * Compiles a route's `responseModel` into a function that validates a return
 * value, keeps only the model's fields and applies class-transformer's
 * @Exclude/@Expose, or throws ResponseValidationError. With `jsonText`, a
 * value the compiled JSON writer accepts comes back as its JSON text.
 */
const classTransformer = lazy<typeof ClassTransformer>('class-transformer');

export function responseSerializer(model: TypeToken, options: { jsonText?: boolean } = {}): (value: unknown) => unknown {
  const convert = converterFor(model, { output: true });
  // For JSONResponse routes: the compiled writer sends conforming values in
  // one pass; anything it cannot vouch for goes through validation below.
  const write = options.jsonText ? compileJsonWriter(model) : undefined;
  if (write !== undefined) {
    const full = responseSerializer(model);
    return (value) => {
      const text = write(value);
      return text === undefined ? full(value) : new JsonText(text);
    };
  }
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
