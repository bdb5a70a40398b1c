import { STATUS_CODES } from 'node:http';
import { JSONResponse, type App, type Logger } from '@fastts/core';
import { compileUnrouted, describeRoute, type ParameterDescription, type RouteDescription, type RouteInfo } from '@fastts/core/extend';
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
  /**
   * Requests the app sends to URLs its users registered (OpenAPI 3.1
   * `webhooks`, FastAPI's `app.webhooks`): classes, without `@Controller`,
   * whose route methods describe them; each path is the webhook's name.
   * Documented only, never routed.
   */
  webhooks?: readonly Function[];
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
  /** From the route's `callbacks` option: callback name (the method's), then its expression, then its operations. */
  callbacks?: Record<string, Record<string, OpenAPIPathItem>>;
  responses: Record<string, JsonSchema>;
}

/** The operations of one path (or webhook, or callback expression), by lower-case method. */
export type OpenAPIPathItem = Record<string, OpenAPIOperation>;

export interface OpenAPIDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; summary?: string; description?: string };
  servers?: OpenAPIInfo['servers'];
  paths: Record<string, OpenAPIPathItem>;
  webhooks?: Record<string, OpenAPIPathItem>;
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
  const operations = new Operations(logger, validationStatus);
  const paths: OpenAPIDocument['paths'] = {};
  for (const route of routes) {
    if (route.options.includeInSchema === false) continue;
    const path = openapiPath(route.path);
    const item = operations.pathItem(route, path);
    if (Object.keys(item).length > 0) Object.assign((paths[path] ??= {}), item);
  }
  // As FastAPI: each webhook's operations under its path (the webhook's name), after the paths.
  const webhooks: NonNullable<OpenAPIDocument['webhooks']> = {};
  for (const cls of info.webhooks ?? []) {
    for (const route of operations.unrouted(cls)) {
      if (route.options.includeInSchema !== false) Object.assign((webhooks[route.path] ??= {}), operations.pathItem(route, route.path));
    }
  }
  // Keys in FastAPI's order: openapi, info, servers, paths, webhooks, components, tags.
  const doc = { openapi: '3.1.0', info: documentInfo(info) } as OpenAPIDocument;
  if (info.servers) doc.servers = info.servers;
  doc.paths = paths;
  if (Object.keys(webhooks).length > 0) doc.webhooks = webhooks;
  const schemas = operations.registry.components();
  const components: NonNullable<OpenAPIDocument['components']> = {};
  if (Object.keys(schemas).length > 0) components.schemas = schemas;
  if (Object.keys(operations.securitySchemes).length > 0) components.securitySchemes = operations.securitySchemes;
  if (Object.keys(components).length > 0) doc.components = components;
  if (info.tags) doc.tags = info.tags;
  return doc;
}

/**
 * What the operations of one document share: the schema components, the
 * security schemes and the operation ids. Paths, webhooks and callbacks all
 * go through `pathItem`, so each is documented as a route is.
 */
class Operations {
  readonly registry = new SchemaRegistry(['ValidationError', 'HTTPValidationError']);
  readonly securitySchemes: Record<string, JsonSchema> = {};
  readonly #ids = new Set<string>();
  readonly #logger: Logger | undefined;
  readonly #validationStatus: number;
  /** Webhook and callback classes compiled for this document, each once however many routes name it. */
  readonly #unrouted = new Map<Function, RouteInfo[]>();
  /** Callback classes being expanded: a callback whose route names its own class again is documented once. */
  readonly #expanding = new Set<Function>();
  /** Each callback route's operations, built once however many operations name its class. */
  readonly #callbackItems = new Map<RouteInfo, OpenAPIPathItem>();

  constructor(logger: Logger | undefined, validationStatus: number) {
    this.#logger = logger;
    this.#validationStatus = validationStatus;
  }

  unrouted(cls: Function): RouteInfo[] {
    let routes = this.#unrouted.get(cls);
    if (routes === undefined) this.#unrouted.set(cls, (routes = compileUnrouted(cls)));
    return routes;
  }

  /** The route's operations, one per method, under `path` (an OpenAPI path, a webhook's name or a callback's expression). */
  pathItem(route: RouteInfo, path: string): OpenAPIPathItem {
    const described = describeRoute(route);
    const security = describeSecurity(route);
    // As FastAPI: one entry per scheme name, the last declaration wins.
    for (const requirement of security) this.securitySchemes[requirement.name] = { ...requirement.scheme };
    // fastts answers HEAD on every GET route; listing it would duplicate the GET operation.
    const methods = described.methods.filter((m) => !(m === 'HEAD' && described.methods.includes('GET')));
    // Once per route, not per method: every method of the route sends the same callbacks.
    const callbacks = methods.length > 0 ? this.#callbacks(route.options.callbacks) : undefined;
    const item: OpenAPIPathItem = {};
    for (const method of methods) {
      const operation = buildOperation(route, described, security, callbacks, path, method, methods[0]!, this.registry, this.#validationStatus);
      if (this.#ids.has(operation.operationId)) this.#logger?.warn({ operationId: operation.operationId, route: route.label }, 'duplicate OpenAPI operationId');
      this.#ids.add(operation.operationId);
      item[method.toLowerCase()] = operation;
    }
    return item;
  }

  /**
   * FastAPI's `callbacks`: one per callback method, named after it, holding
   * its expression and operations. `classes` are the includes' and routers'
   * then the route's own; a class named twice is documented once, at its
   * first place (FastAPI's dict by name keeps that place).
   */
  #callbacks(classes: readonly Function[] | undefined): OpenAPIOperation['callbacks'] {
    const out: NonNullable<OpenAPIOperation['callbacks']> = {};
    for (const cls of new Set(classes)) {
      if (this.#expanding.has(cls)) continue;
      this.#expanding.add(cls);
      for (const route of this.unrouted(cls)) {
        if (route.options.includeInSchema === false) continue;
        const callback = (out[String(route.propertyKey)] ??= {});
        Object.assign((callback[route.path] ??= {}), this.#callbackItem(route));
      }
      this.#expanding.delete(cls);
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }

  /**
   * A callback route's operations, a copy for each operation that names it.
   * Built once: under a router's every route it is one operation with one
   * id, which FastAPI builds again and warns of as a duplicate each time.
   */
  #callbackItem(route: RouteInfo): OpenAPIPathItem {
    let item = this.#callbackItems.get(route);
    if (item === undefined) this.#callbackItems.set(route, (item = this.pathItem(route, route.path)));
    return structuredClone(item);
  }
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
  callbacks: OpenAPIOperation['callbacks'],
  path: string,
  method: string,
  firstMethod: string,
  registry: SchemaRegistry,
  validationStatus: number,
): OpenAPIOperation {
  const { options } = described;
  // The route's name (its `name` option, else the method's), as FastAPI derives the summary and operationId from it.
  const name = options.name ?? String(route.propertyKey);
  // Keys in FastAPI's order: tags, summary, description, operationId, deprecated, security, parameters, requestBody, callbacks, responses.
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
  if (callbacks) operation.callbacks = callbacks;
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
