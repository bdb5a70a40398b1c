import type * as ClassTransformer from 'class-transformer';
import { lazy } from '../internal/lazy.js';
import type { TypeToken } from '../decorators/type-tokens.js';
import { ResponseValidationError, type ValidationIssue } from '../errors/validation-error.js';
import { converterFor } from './converter.js';
import { compileDump } from './dump.js';
import { INVALID } from './scalars.js';
import { compileJsonWriter, runJsonWriter } from './json-writer.js';
import { compilePrune, hasOutputOptions, type OutputOptions, type Prune } from './output-options.js';

const classTransformer = lazy<typeof ClassTransformer>('class-transformer');

/**
 * Compiles a route's `responseModel` into a function that validates a return
 * value, keeps only the model's fields and applies class-transformer's
 * @Exclude/@Expose, or throws ResponseValidationError. With `jsonText` (a
 * JSONResponse route), a value the compiled JSON writer accepts comes back as
 * its JSON text, in one pass; anything else takes the full path. `output`
 * holds the route's `responseModelExclude*`/`Include` options, compiled into
 * both paths here; a route without them gets exactly the serializer it had.
 */
export function responseSerializer(model: TypeToken, options: { jsonText?: boolean; output?: OutputOptions } = {}): (value: unknown) => unknown {
  const output = options.output !== undefined && hasOutputOptions(options.output) ? options.output : undefined;
  const full = validatingSerializer(model, output ? compilePrune(model, output) : undefined);
  const write = options.jsonText ? compileJsonWriter(model, output) : undefined;
  if (write === undefined) return full;
  return (value) => runJsonWriter(write, value) ?? full(value);
}

function validatingSerializer(model: TypeToken, prune: Prune | undefined): (value: unknown) => unknown {
  const convert = converterFor(model, { output: true });
  const dump = compileDump(model);
  const finish = (value: unknown, converted: unknown, issues: ValidationIssue[]) => {
    if (converted === INVALID) throw new ResponseValidationError(issues);
    // Prunes the instances validation just built, reading the returned value for what it set.
    prune?.(value, converted);
    return classTransformer().instanceToPlain(dump ? dump(converted) : converted);
  };
  return (value) => {
    const issues: ValidationIssue[] = [];
    const converted = convert(value, ['response'], issues);
    return converted instanceof Promise ? converted.then((c) => finish(value, c, issues)) : finish(value, converted, issues);
  };
}
