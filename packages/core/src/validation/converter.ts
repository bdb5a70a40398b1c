import { Int, type TypeToken } from '../decorators/type-tokens.js';
import { isModelClass, modelConverter, type ModelReadOptions } from './model.js';
import { moreConverter } from './more-converters.js';
import { anything, bool, float, int, list, string, type Converter } from './scalars.js';
import { dateTime } from './temporal.js';

/** A converter for a parameter's type token, built once when a route is compiled. */
export function converterFor(type: TypeToken | DateConstructor, options: ModelReadOptions = {}): Converter {
  if (type === String) return string;
  if (type === Number) return float;
  if (type === Int) return int;
  if (type === Boolean) return bool;
  if (type === Date) return dateTime;
  if (type === Object) return anything;
  if (Array.isArray(type)) return list(converterFor(type[0], options), options.text === true);
  if (isModelClass(type)) return modelConverter(type, options);
  return moreConverter(type, (inner) => converterFor(inner as TypeToken, options), options) ?? anything;
}
