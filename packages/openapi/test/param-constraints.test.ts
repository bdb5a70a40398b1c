import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, Controller, Cookie, Form, Get, Header, Int, Path, Post, Query } from '@fastts/core';
import { serveDocs } from '@fastts/openapi';
import { LiveTestClient } from '@fastts/testing';
import { expectValidOpenAPI } from './validate.js';

// Parameter constraints (issue 18, item 4) in the document, as FastAPI writes
// them: the schema pydantic makes of `Query(ge=1, le=100)` and friends, read
// from /openapi.json over a socket.

enum Color {
  Red = 'red',
  Green = 'green',
}

@Controller()
class Constrained {
  // FastAPI: limit: int = Query(default=10, ge=1, le=100)
  @Get('/page')
  page(@Query('limit', { type: Int, default: 10, ge: 1, le: 100 }) limit: number) {
    return { limit };
  }

  // FastAPI's tutorial010: Query(alias="item-query", title=…, description=…, min_length=3, max_length=50, pattern="^fixedquery$", deprecated=True)
  @Get('/items')
  items(
    @Query('item-query', {
      optional: true,
      title: 'Query string',
      description: 'Query string for the items to search in the database that have a good match',
      minLength: 3,
      maxLength: 50,
      pattern: '^fixedquery$',
      deprecated: true,
    })
    q?: string,
  ) {
    return { q };
  }

  @Get('/numbers/{id}')
  numbers(
    @Path('id', { type: Int, gt: 0, lt: 1000 }) id: number,
    @Query('step', { multipleOf: 0.5, examples: [1.5] }) step: number,
    @Header('x-level', { type: Int, ge: 1, le: 5 }) level: number,
    @Cookie('sid', { minLength: 8, pattern: /^s-/ }) sid: string,
  ) {
    return { id, step, level, sid };
  }

  @Get('/choices')
  choices(
    @Query('color', { enum: Color }) color: Color,
    @Query('sort', { enum: ['asc', 'desc'], default: 'asc' }) sort: string,
    @Query('ids', { type: [Int], ge: 1, minItems: 1, maxItems: 3 }) ids: number[],
    @Query('name', { pattern: /^a/i, optional: true }) name?: string,
  ) {
    return { color, sort, ids, name };
  }

  @Post('/form')
  form(@Form('name', { minLength: 2, maxLength: 20, title: 'Full name' }) name: string, @Form('age', { type: Int, ge: 0 }) age: number) {
    return { name, age };
  }
}

let client: LiveTestClient;
let doc: { paths: Record<string, Record<string, { parameters?: unknown[]; requestBody?: unknown }>>; components: { schemas: Record<string, unknown> } };
beforeAll(async () => {
  client = await LiveTestClient.start(serveDocs(new App({ logger: false }).include(Constrained)));
  const res = await client.get('/openapi.json');
  expect(res.status).toBe(200);
  doc = res.json();
});
afterAll(() => client.close());

const parameters = (path: string) => doc.paths[path]!['get']!.parameters;

describe('parameter constraints in /openapi.json', () => {
  it('writes Query(ge=1, le=100) as FastAPI does, in a valid OpenAPI 3.1 document', async () => {
    expect(parameters('/page')).toEqual([
      { name: 'limit', in: 'query', required: false, schema: { type: 'integer', maximum: 100, minimum: 1, title: 'Limit', default: 10 } },
    ]);
    await expectValidOpenAPI(doc);
  });

  it("writes FastAPI's tutorial010: alias, title, description, lengths, pattern, deprecated", () => {
    expect(parameters('/items')).toEqual([
      {
        name: 'item-query',
        in: 'query',
        required: false,
        schema: {
          type: 'string',
          minLength: 3,
          maxLength: 50,
          pattern: '^fixedquery$',
          title: 'Query string',
          description: 'Query string for the items to search in the database that have a good match',
          deprecated: true,
        },
        description: 'Query string for the items to search in the database that have a good match',
        deprecated: true,
      },
    ]);
  });

  it('writes exclusive bounds, multipleOf and examples, on path, query, header and cookie', () => {
    expect(parameters('/numbers/{id}')).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'integer', exclusiveMinimum: 0, exclusiveMaximum: 1000, title: 'Id' } },
      { name: 'step', in: 'query', required: true, schema: { type: 'number', multipleOf: 0.5, title: 'Step', examples: [1.5] } },
      { name: 'x-level', in: 'header', required: true, schema: { type: 'integer', minimum: 1, maximum: 5, title: 'X Level' } },
      { name: 'sid', in: 'cookie', required: true, schema: { type: 'string', minLength: 8, pattern: '^s-', title: 'Sid' } },
    ]);
  });

  it('writes enums, list item rules and list lengths; a case-insensitive RegExp is left out', () => {
    expect(parameters('/choices')).toEqual([
      { name: 'color', in: 'query', required: true, schema: { type: 'string', enum: ['red', 'green'], title: 'Color' } },
      { name: 'sort', in: 'query', required: false, schema: { type: 'string', enum: ['asc', 'desc'], title: 'Sort', default: 'asc' } },
      { name: 'ids', in: 'query', required: true, schema: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, maxItems: 3, title: 'Ids' } },
      // JSON Schema's pattern has no flags: /^a/i would document a stricter rule than the server checks.
      { name: 'name', in: 'query', required: false, schema: { type: 'string', title: 'Name' } },
    ]);
  });

  it('writes form fields with their constraints and title', () => {
    expect(doc.components.schemas['Body_form_form_post']).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 2, maxLength: 20, title: 'Full name' },
        age: { type: 'integer', minimum: 0, title: 'Age' },
      },
      required: ['name', 'age'],
      title: 'Body_form_form_post',
    });
  });
});
