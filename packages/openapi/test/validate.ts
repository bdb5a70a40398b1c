import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'vitest';

/**
 * Checks a document with a real OpenAPI 3.1 validator (structure, required
 * fields, resolvable $refs), then every schema in it against JSON Schema
 * 2020-12's meta-schema, which the OpenAPI validator does not look inside.
 */
export async function expectValidOpenAPI(doc: object): Promise<void> {
  const validator = new Validator();
  const result = await validator.validate(structuredClone(doc) as Record<string, unknown>);
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
  expect(validator.version).toBe('3.1');
  const ajv = new Ajv2020({ strict: false });
  for (const [where, schema] of schemasIn(doc)) {
    expect(ajv.validateSchema(schema), `${where}: ${ajv.errorsText()}`).toBe(true);
  }
}

/** Every schema of a document: components, parameters, request and response bodies, in paths, webhooks and callbacks. */
export function schemasIn(doc: object): [string, object][] {
  const found: [string, object][] = [];
  type Body = { content?: Record<string, { schema: object }> };
  type Operation = { parameters?: { name: string; schema: object }[]; requestBody?: Body; callbacks?: Record<string, Record<string, PathItem>>; responses: Record<string, Body> };
  type PathItem = Record<string, Operation>;
  const d = doc as { paths: Record<string, PathItem>; webhooks?: Record<string, PathItem>; components?: { schemas: Record<string, object> } };
  const content = (where: string, body: Body | undefined) => {
    for (const [type, media] of Object.entries(body?.content ?? {})) found.push([`${where} ${type}`, media.schema]);
  };
  const pathItems = (prefix: string, items: Record<string, PathItem>) => {
    for (const [path, item] of Object.entries(items)) {
      for (const [method, op] of Object.entries(item)) {
        const where = `${prefix}${method} ${path}`;
        for (const p of op.parameters ?? []) found.push([`${where} parameter ${p.name}`, p.schema]);
        content(`${where} request`, op.requestBody);
        for (const [status, response] of Object.entries(op.responses)) content(`${where} ${status}`, response);
        for (const [name, callback] of Object.entries(op.callbacks ?? {})) pathItems(`${where} callback ${name}: `, callback);
      }
    }
  };
  pathItems('', d.paths);
  pathItems('webhook ', d.webhooks ?? {});
  for (const [name, schema] of Object.entries(d.components?.schemas ?? {})) found.push([`components.schemas.${name}`, schema]);
  return found;
}
