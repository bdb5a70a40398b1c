import { addRouteMeta } from './metadata.js';
import type { ParamMarker } from './params.js';
import type { Class } from '../internal/types.js';
import type { FieldSelection } from '../validation/output-options.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS' | 'TRACE';

export interface RouteOptions {
  /** Status of the response built from a plain return value. Default 200. */
  statusCode?: number;
  /**
   * Validates and filters a plain return value: only the model's fields are
   * sent (class-transformer's @Exclude/@Expose honoured); output that breaks
   * the model is a 500, logged, never sent. `[Model]` for lists.
   */
  responseModel?: Class | readonly [Class];
  /**
   * Leave out the fields the returned value did not set (missing or
   * `undefined`) instead of filling in the model's defaults, in nested models
   * too (FastAPI's `response_model_exclude_unset`).
   */
  responseModelExcludeUnset?: boolean;
  /** Leave out fields equal to the model's default, the value of `new Model()` (FastAPI's `response_model_exclude_defaults`). */
  responseModelExcludeDefaults?: boolean;
  /** Leave out fields whose value is null (FastAPI's `response_model_exclude_none`). */
  responseModelExcludeNone?: boolean;
  /** Send only these fields: names, or `{ field: true, nested: ['a'] }` for fields of nested models. */
  responseModelInclude?: FieldSelection;
  /** Never send these fields: names, or `{ field: true, nested: ['a'] }` for fields of nested models. */
  responseModelExclude?: FieldSelection;
  /** Response class that wraps a plain return value. Default JSONResponse. */
  responseClass?: Class;
  /** Dependencies solved before the handler's own parameters (their values are discarded). */
  dependencies?: ParamMarker[];
  summary?: string;
  description?: string;
  /** Extra responses for the OpenAPI document, e.g. `{ 404: { description: 'Item not found', model: Message } }`. */
  responses?: Record<number, { description?: string; model?: Class | readonly [Class] }>;
  tags?: string[];
  deprecated?: boolean;
  operationId?: string;
  /**
   * The route's name for `app.urlPathFor(name)` and `request.urlFor(name)`
   * (FastAPI's `name`). Default: the handler method's name.
   */
  name?: string;
  /** Leave the route out of the OpenAPI document. */
  includeInSchema?: boolean;
  /**
   * OpenAPI callbacks (FastAPI's `callbacks=`): classes, without `@Controller`,
   * whose route methods describe the requests the app sends back to a URL the
   * caller gave; each path is a runtime expression such as
   * `{$request.body#/callback_url}/invoices/{$request.body#/id}`. Documented
   * under this operation, never routed.
   */
  callbacks?: readonly Class[];
}

export function Route(methods: HttpMethod | HttpMethod[], path = '', options: RouteOptions = {}): MethodDecorator {
  const list = Array.isArray(methods) ? methods : [methods];
  return (target, propertyKey) => addRouteMeta(target, { propertyKey, methods: list, path, options });
}

const method = (verb: HttpMethod) => (path = '', options: RouteOptions = {}) => Route(verb, path, options);

/** A GET route; it also answers HEAD with the same headers and no body. */
export const Get = method('GET');
export const Post = method('POST');
export const Put = method('PUT');
export const Patch = method('PATCH');
export const Delete = method('DELETE');
export const Head = method('HEAD');
export const Options = method('OPTIONS');
