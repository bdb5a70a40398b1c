/**
 * @module
 * OpenAPI 3.1 for fastts apps, derived from the routes and class-validator
 * models the app already declares, and the docs pages (Swagger UI, ReDoc)
 * served by the app from local files.
 */
export { openapiDocument, buildDocument, type OpenAPIDocument, type OpenAPIInfo, type OpenAPIOperation, type OpenAPIPathItem } from './document.js';
export { serveDocs, type DocsOptions } from './serve.js';
export { swaggerUiHtml, redocHtml, type SwaggerUiPage, type RedocPage } from './pages.js';
export { SchemaRegistry } from './schema.js';
export { constraintRules } from './constraints.js';
export type { JsonSchema } from './json-schema.js';
