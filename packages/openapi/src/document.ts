import { STATUS_CODES } from 'node:http';
import { JSONResponse, type App, type Logger } from '@fastts/core';
import { describeRoute, type ParameterDescription, type RouteDescription, type RouteInfo } from '@fastts/core/extend';
import { describeSecurity, type SecurityRequirement } from '@fastts/core/security';
import { ordered, type JsonSchema } from './json-schema.js';
import { constraintSchema, parameterTitle } from './param-schema.js';
import { openapiPath, operationId, titleCase } from './names.js';
import { SchemaRegistry } from './schema.js';
import { httpValidationErrorSchema, validationErrorSchema } from './validation-error.js';

/** The document's `info` and top-level extras. */
export interface OpenAPIInfo {
  /** Default `fastts`. */
  title?: string;
  /** The API's version (not OpenAPI's). Default `0.1.0`. */
  version?: string;
  summary?: string;
  /** CommonMark, shown at the top of /docs and /redoc. */
  description?: string;
  servers?: { url: string; description?: string }[];
  /** Descriptions (and order) of the tags used by routes: FastAPI's `openapi_tags`. */
  tags?: { name: string; description?: string; externalDocs?: { url: string; description?: string } }[];
}

export interface OpenAPIOperation {
  tags?: string[];
  summary: string;
  description?: string;
  operationId: string;
  deprecated?: boolean;
  /** One requirement per security scheme the route depends on: `{ name: [scopes] }`. */
  security?: Record<string, string[]>[];
  parameters?: JsonSchema[];
  requestBody?: JsonSchema;
  responses: Record<string, JsonSchema>;
}

export interface OpenAPIDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; summary?: string; description?: string };
  servers?: OpenAPIInfo['servers'];
  paths: Record<string, Record<string, OpenAPIOperation>>;
  components?: { schemas?: Record<string, JsonSchema>; securitySchemes?: Record<string, JsonSchema> };
  tags?: OpenAPIInfo['tags'];
}

const SOURCE_ORDER = { path: 0, query: 1, header: 2, cookie: 3 } as const;

/**
 * The OpenAPI 3.1 document of an app, built from its compiled routes: what
 * the app validates is what the document says. Routes with
 * `includeInSchema: false` are left out; the HEAD that fastts adds to GET
 * routes is not listed separately.
 *
 * @example
 * ```ts
 * const doc = openapiDocument(app, { title: 'Items', version: '1.0.0' });
 * ```
 */
export function openapiDocument(app: App, info: OpenAPIInfo = {}): OpenAPIDocument {
  return buildDocument(app.routes, withRootPath(info, app.rootPath), app.logger, app.validationErrorStatus);
}

/** FastAPI's `root_path_in_servers`: an app served under a prefix lists it first in `servers`, so "Try it out" calls the right URL. */
function withRootPath(info: OpenAPIInfo, rootPath: string): OpenAPIInfo {
  if (rootPath === '' || info.servers?.some((s) => s.url === rootPath)) return info;
  return { ...info, servers: [{ url: rootPath }, ...(info.servers ?? [])] };
}

/** The document for a list of compiled routes (what `openapiDocument` does with `app.routes`). */
export function buildDocument(routes: readonly RouteInfo[], info: OpenAPIInfo = {}, logger?: Logger, validationStatus = 422): OpenAPIDocument {
  const registry = new SchemaRegistry(['ValidationError', 'HTTPValidationError']);
  const securitySchemes: Record<string, JsonSchema> = {};
  const paths: OpenAPIDocument['paths'] = {};
  const ids = new Set<string>();
  for (const route of routes) {
    if (route.options.includeInSchema === false) continue;
    const described = describeRoute(route);
    const security = describeSecurity(route);
    // As FastAPI: one entry per scheme name, the last declaration wins.
    for (const requirement of security) securitySchemes[requirement.name] = { ...requirement.scheme };
    const path = openapiPath(described.path);
    const item = (paths[path] ??= {});
    // fastts answers HEAD on every GET route; listing it would duplicate the GET operation.
    const methods = described.methods.filter((m) => !(m === 'HEAD' && described.methods.includes('GET')));
    for (const method of methods) {
      const operation = buildOperation(route, described, security, path, method, methods[0]!, registry, validationStatus);
      if (ids.has(operation.operationId)) logger?.warn({ operationId: operation.operationId, route: route.label }, 'duplicate OpenAPI operationId');
      ids.add(operation.operationId);
      item[method.toLowerCase()] = operation;
    }
    if (Object.keys(item).length === 0) delete paths[path];
  }
  // Keys in FastAPI's order: openapi, info, servers, paths, components, tags.
  const doc = { openapi: '3.1.0', info: documentInfo(info) } as OpenAPIDocument;
  if (info.servers) doc.servers = info.servers;
  doc.paths = paths;
  const schemas = registry.components();
  const components: NonNullable<OpenAPIDocument['components']> = {};
  if (Object.keys(schemas).length > 0) components.schemas = schemas;
  if (Object.keys(securitySchemes).length > 0) components.securitySchemes = securitySchemes;
  if (Object.keys(components).length > 0) doc.components = components;
  if (info.tags) doc.tags = info.tags;
  return doc;
}

function documentInfo(info: OpenAPIInfo): OpenAPIDocument['info'] {
  const out: OpenAPIDocument['info'] = { title: info.title ?? 'fastts', version: info.version ?? '0.1.0' };
  if (info.summary) out.summary = info.summary;
  if (info.description) out.description = info.description;
  return out;
}

function buildOperation(
  route: RouteInfo,
  described: RouteDescription,
  security: readonly SecurityRequirement[],
  path: string,
  method: string,
  firstMethod: string,
  registry: SchemaRegistry,
  validationStatus: number,
): OpenAPIOperation {
  const { options } = described;
  const name = String(route.propertyKey);
  // Keys in FastAPI's order: tags, summary, description, operationId, deprecated, security, parameters, requestBody, responses.
  const operation = {} as OpenAPIOperation;
  const tags = [...new Set(described.tags)];
  if (tags.length > 0) operation.tags = tags;
  operation.summary = options.summary ?? titleCase(name);
  if (options.description) operation.description = options.description;
  operation.operationId = options.operationId ?? operationId(name, path, method);
  if (options.deprecated) operation.deprecated = true;
  if (security.length > 0) operation.security = security.map((r) => ({ [r.name]: [...r.scopes] }));
  const parameters = parameterObjects(described.parameters, registry);
  if (parameters.length > 0) operation.parameters = parameters;
  // A body of several fields is one component, named after the route's first operation as FastAPI names it.
  const bodyName = `Body_${options.operationId ?? operationId(name, path, firstMethod)}`;
  if (described.body) operation.requestBody = requestBody(described.body, bodyName, registry);
  operation.responses = responses(route, described, registry, parameters.length > 0 || described.body !== undefined ? String(validationStatus) : undefined);
  return operation;
}

/** Path, query, header and cookie parameters in FastAPI's order; a parameter read twice is listed once (required wins). */
function parameterObjects(parameters: readonly ParameterDescription[], registry: SchemaRegistry): JsonSchema[] {
  const sorted = [...parameters].sort((a, b) => SOURCE_ORDER[a.source] - SOURCE_ORDER[b.source]);
  const byKey = new Map<string, JsonSchema>();
  for (const p of sorted) {
    const key = `${p.source}:${p.name}`;
    const known = byKey.get(key);
    if (known && (known['required'] || !p.required)) continue;
    const schema: JsonSchema = { ...constraintSchema(registry.fieldSchema(p.type, p.constraints), p.type, p.options), title: p.options.title ?? parameterTitle(p.name, p.source, titleCase) };
    // pydantic (2.10+) writes description and deprecated into the schema too, so FastAPI's parameters carry them twice.
    if (p.options.description) schema['description'] = p.options.description;
    if (p.default !== undefined && isJsonValue(p.default)) schema['default'] = p.default;
    if (p.options.examples) schema['examples'] = p.options.examples;
    if (p.options.deprecated) schema['deprecated'] = true;
    // OpenAPI requires path parameters to be required; a path without the value matches no route anyway.
    const parameter: JsonSchema = { name: p.name, in: p.source, required: p.source === 'path' || p.required, schema: ordered(schema) };
    if (p.options.description) parameter['description'] = p.options.description;
    if (p.options.deprecated) parameter['deprecated'] = true;
    byKey.set(key, parameter);
  }
  return [...byKey.values()];
}

function requestBody(body: NonNullable<RouteDescription['body']>, bodyName: string, registry: SchemaRegistry): JsonSchema {
  const mediaType = body.kind === 'json' ? 'application/json' : body.files ? 'multipart/form-data' : 'application/x-www-form-urlencoded';
  let schema: JsonSchema;
  if (body.whole) {
    schema = withValueOptions(registry.typeSchema(body.whole.type), body.whole.options);
  } else {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const field of body.fields) {
      const property: JsonSchema = { ...constraintSchema(registry.typeSchema(field.type), field.type, field.options), title: field.options.title ?? parameterTitle(field.name, 'form', titleCase) };
      if (field.default !== undefined && isJsonValue(field.default)) property['default'] = field.default;
      properties[field.name] = withValueOptions(property, field.options);
      if (field.required) required.push(field.name);
    }
    const component: JsonSchema = { type: 'object', properties };
    if (required.length > 0) component['required'] = required;
    component['title'] = bodyName;
    schema = registry.define(bodyName, ordered(component));
  }
  const out: JsonSchema = {};
  if (body.required) out['required'] = true;
  out['content'] = { [mediaType]: { schema } };
  return out;
}

function withValueOptions(schema: JsonSchema, options: { description?: string; examples?: unknown[] }): JsonSchema {
  const out = { ...schema };
  if (options.description) out['description'] = options.description;
  if (options.examples) out['examples'] = options.examples;
  return ordered(out);
}

/** `validationStatus`: the status of validation errors (the app's, 422 by default) when the operation reads anything. */
function responses(route: RouteInfo, described: RouteDescription, registry: SchemaRegistry, validationStatus: string | undefined): Record<string, JsonSchema> {
  const { options, statusCode } = described;
  const responseClass = route.responseClass as unknown as { mediaType?: string; prototype: object };
  const mediaType = responseClass.mediaType;
  const out: Record<string, JsonSchema> = {};
  const main: JsonSchema = { description: 'Successful Response' };
  if (mediaType && bodyAllowed(statusCode)) {
    const json = (responseClass as unknown) === JSONResponse || responseClass.prototype instanceof JSONResponse;
    const schema = json ? (options.responseModel ? registry.typeSchema(options.responseModel) : {}) : { type: 'string' };
    main['content'] = { [mediaType]: { schema } };
  }
  out[String(statusCode)] = main;
  for (const [status, extra] of Object.entries(options.responses ?? {})) {
    const response: JsonSchema = { ...out[status] };
    response['description'] = extra.description ?? response['description'] ?? STATUS_CODES[Number(status)] ?? 'Additional Response';
    if (extra.model) response['content'] = { [mediaType ?? 'application/json']: { schema: registry.typeSchema(extra.model) } };
    out[status] = response;
  }
  // FastAPI adds the validation error to every operation that reads anything, unless one is declared.
  if (validationStatus && ![validationStatus, '4XX', 'default'].some((s) => s in out)) {
    registry.define('ValidationError', validationErrorSchema);
    const ref = registry.define('HTTPValidationError', httpValidationErrorSchema);
    out[validationStatus] = { description: 'Validation Error', content: { 'application/json': { schema: ref } } };
  }
  return out;
}

function bodyAllowed(status: number): boolean {
  return !(status < 200 || status === 204 || status === 205 || status === 304);
}

function isJsonValue(value: unknown): boolean {
  try {
    return JSON.stringify(value) !== undefined && typeof value !== 'function';
  } catch {
    return false;
  }
}
