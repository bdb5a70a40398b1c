import { Type } from 'class-transformer';
import { IsArray, IsInt, IsOptional, IsString, Min, ValidateNested } from 'class-validator';
import {
  App,
  Body,
  Controller,
  Cookie,
  Delete,
  Depends,
  File,
  Form,
  Get,
  HTMLResponse,
  Head,
  Header,
  Int,
  Path,
  Post,
  Put,
  Query,
  Route,
  UploadFile,
  dependency,
} from '@fastts/core';
import { openapiDocument, type OpenAPIDocument } from '@fastts/openapi';
import { describe, expect, it, vi } from 'vitest';
import { expectValidOpenAPI } from './validate.js';

// Operations as FastAPI documents them, from fastts routes: ids, summaries,
// tags, parameters of every source, bodies, responses.

class Item {
  @IsString()
  name!: string;

  @IsInt()
  @Min(0)
  price!: number;
}

class Message {
  @IsString()
  detail!: string;
}

class Filters {
  @IsOptional()
  @IsInt()
  @Min(0)
  skip = 0;

  @IsString()
  q!: string;
}

class SignupForm {
  @IsString()
  username!: string;

  @IsOptional()
  @IsString()
  nickname?: string;
}

class Order {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => Item)
  items!: Item[];
}

const token = dependency([Header('x_token', { description: 'Access token' })], (t) => t);

@Controller('/items', { tags: ['items'] })
class ItemsController {
  @Get('/{item_id}', { tags: ['read', 'items'], summary: 'Read one item', description: 'Reads **one** item.', responses: { 404: { description: 'Item not found', model: Message } } })
  read(
    @Path('item_id', { type: Int, description: 'The id' }) id: number,
    @Query('fields', { type: [String], optional: true, examples: [['name']] }) _fields: string[] | undefined,
    @Cookie('session', { type: String, optional: true, deprecated: true }) _session: string | undefined,
    @Depends(token) _token: string,
  ) {
    return { id };
  }

  @Get('', { responseModel: [Item] })
  list(@Query() _filters: Filters) {
    return [];
  }

  @Post('', { statusCode: 201, responseModel: Item, operationId: 'createItem' })
  create(@Body() item: Item) {
    return item;
  }

  @Put('/{item_id}', { deprecated: true })
  replace(@Path('item_id', { type: Int }) id: number, @Body('item') item: Item, @Body('importance', { type: Int, default: 1 }) importance: number) {
    return { id, item, importance };
  }

  @Delete('/{item_id}', { statusCode: 204, responses: { 422: { description: 'Declared by the route' } } })
  remove(@Path('item_id', { type: Int }) _id: number) {
    return undefined;
  }

  @Get('/hidden', { includeInSchema: false })
  hidden() {
    return {};
  }
}

@Controller()
class MiscController {
  @Get('/files/{file_path:path}')
  readFile(@Path('file_path') path: string) {
    return { path };
  }

  @Get('/page', { responseClass: HTMLResponse })
  page() {
    return '<p>hi</p>';
  }

  @Head('/ping')
  ping() {
    return undefined;
  }

  @Route(['GET', 'POST'], '/both')
  both() {
    return {};
  }

  @Post('/login')
  login(@Form('username') username: string, @Form('password') _password: string, @Form('scopes', { type: [String], optional: true }) _scopes: string[] | undefined) {
    return { username };
  }

  @Post('/signup')
  signup(@Form() form: SignupForm) {
    return form;
  }

  @Post('/upload')
  upload(@File('file') file: UploadFile, @File('extra', { type: [UploadFile], optional: true }) _extra: UploadFile[] | undefined, @Form('note', { type: String, optional: true }) _note: string | undefined) {
    return { name: file.filename };
  }

  @Post('/orders')
  order(@Body({ optional: true, description: 'The order', examples: [{ items: [] }] }) order?: Order) {
    return order ?? {};
  }
}

const app = new App({ logger: false }).include(ItemsController, { tags: ['api'] }).include(MiscController);
const doc = openapiDocument(app, { title: 'Shop', version: '2.0.0', description: 'A shop', tags: [{ name: 'items', description: 'Things to buy' }] });
const op = (path: string, method: string) => doc.paths[path]![method]!;
const validationError = { description: 'Validation Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/HTTPValidationError' } } } };

describe('the OpenAPI document of an app', () => {
  it('is valid OpenAPI 3.1 with info and tag metadata', async () => {
    await expectValidOpenAPI(doc);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toEqual({ title: 'Shop', version: '2.0.0', description: 'A shop' });
    expect(doc.tags).toEqual([{ name: 'items', description: 'Things to buy' }]);
  });

  it('names operations as FastAPI does, or as the route says', () => {
    expect(op('/items/{item_id}', 'get')).toMatchObject({ operationId: 'read_items__item_id__get', summary: 'Read one item', description: 'Reads **one** item.' });
    expect(op('/items', 'get')).toMatchObject({ operationId: 'list_items_get', summary: 'List' });
    expect(op('/items', 'post')).toMatchObject({ operationId: 'createItem', summary: 'Create' });
    expect(op('/files/{file_path}', 'get')).toMatchObject({ operationId: 'readFile_files__file_path__get', summary: 'Read File' });
  });

  it('merges tags of the include, the controller and the route, once each', () => {
    expect(op('/items/{item_id}', 'get').tags).toEqual(['api', 'items', 'read']);
    expect(op('/items', 'get').tags).toEqual(['api', 'items']);
    expect(op('/page', 'get').tags).toBeUndefined();
  });

  // pydantic 2.10+ writes description and deprecated into the schema as well (FastAPI's tutorial010).
  it('lists parameters of every source, dependencies included, in FastAPI order', () => {
    expect(op('/items/{item_id}', 'get').parameters).toEqual([
      { name: 'item_id', in: 'path', required: true, schema: { type: 'integer', title: 'Item Id', description: 'The id' }, description: 'The id' },
      { name: 'fields', in: 'query', required: false, schema: { type: 'array', items: { type: 'string' }, title: 'Fields', examples: [['name']] } },
      { name: 'x-token', in: 'header', required: true, schema: { type: 'string', title: 'X Token', description: 'Access token' }, description: 'Access token' },
      { name: 'session', in: 'cookie', required: false, schema: { type: 'string', title: 'Session', deprecated: true }, deprecated: true },
    ]);
  });

  it('turns a grouped @Query() model into one parameter per field', () => {
    expect(op('/items', 'get').parameters).toEqual([
      { name: 'skip', in: 'query', required: false, schema: { type: 'integer', minimum: 0, default: 0, title: 'Skip' } },
      { name: 'q', in: 'query', required: true, schema: { type: 'string', title: 'Q' } },
    ]);
  });

  it('writes {name:path} parameters as plain {name}', () => {
    expect(Object.keys(doc.paths)).toContain('/files/{file_path}');
    expect(op('/files/{file_path}', 'get').parameters).toEqual([{ name: 'file_path', in: 'path', required: true, schema: { type: 'string', title: 'File Path' } }]);
  });

  it('describes JSON bodies: a model, several embedded values, an optional body with description and examples', () => {
    expect(op('/items', 'post').requestBody).toEqual({ required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } });
    expect(op('/items/{item_id}', 'put').requestBody).toEqual({
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Body_replace_items__item_id__put' } } },
    });
    expect(doc.components!.schemas!['Body_replace_items__item_id__put']).toEqual({
      type: 'object',
      properties: { item: { $ref: '#/components/schemas/Item', title: 'Item' }, importance: { type: 'integer', title: 'Importance', default: 1 } },
      required: ['item'],
      title: 'Body_replace_items__item_id__put',
    });
    expect(op('/orders', 'post').requestBody).toEqual({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Order', description: 'The order', examples: [{ items: [] }] } } },
    });
    expect(doc.components!.schemas!['Order']!['properties']).toEqual({ items: { type: 'array', items: { $ref: '#/components/schemas/Item' }, title: 'Items' } });
  });

  it('describes forms: urlencoded fields, a form model, multipart with binary files', () => {
    expect(op('/login', 'post').requestBody).toEqual({
      required: true,
      content: { 'application/x-www-form-urlencoded': { schema: { $ref: '#/components/schemas/Body_login_login_post' } } },
    });
    expect(doc.components!.schemas!['Body_login_login_post']).toMatchObject({
      properties: { username: { type: 'string' }, password: { type: 'string' }, scopes: { type: 'array', items: { type: 'string' } } },
      required: ['username', 'password'],
    });
    expect(op('/signup', 'post').requestBody).toEqual({
      required: true,
      content: { 'application/x-www-form-urlencoded': { schema: { $ref: '#/components/schemas/SignupForm' } } },
    });
    expect(op('/upload', 'post').requestBody).toEqual({
      required: true,
      content: { 'multipart/form-data': { schema: { $ref: '#/components/schemas/Body_upload_upload_post' } } },
    });
    expect(doc.components!.schemas!['Body_upload_upload_post']).toEqual({
      type: 'object',
      properties: {
        file: { type: 'string', format: 'binary', title: 'File' },
        extra: { type: 'array', items: { type: 'string', format: 'binary' }, title: 'Extra' },
        note: { type: 'string', title: 'Note' },
      },
      required: ['file'],
      title: 'Body_upload_upload_post',
    });
  });

  it('describes responses: status code, response model, extra responses, media type', () => {
    expect(op('/items', 'post').responses['201']).toEqual({
      description: 'Successful Response',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } },
    });
    expect(op('/items', 'get').responses['200']).toEqual({
      description: 'Successful Response',
      content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Item' } } } },
    });
    expect(op('/items/{item_id}', 'get').responses).toEqual({
      '200': { description: 'Successful Response', content: { 'application/json': { schema: {} } } },
      '404': { description: 'Item not found', content: { 'application/json': { schema: { $ref: '#/components/schemas/Message' } } } },
      '422': validationError,
    });
    // 204 has no body; the route's own 422 replaces the generated one.
    expect(op('/items/{item_id}', 'delete').responses).toEqual({ '204': { description: 'Successful Response' }, '422': { description: 'Declared by the route' } });
    expect(op('/page', 'get').responses).toEqual({ '200': { description: 'Successful Response', content: { 'text/html': { schema: { type: 'string' } } } } });
  });

  it('adds the 422 HTTPValidationError response to every operation that reads parameters or a body, and only those', () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const reads = (operation.parameters?.length ?? 0) > 0 || operation.requestBody !== undefined;
        const declared = path === '/items/{item_id}' && method === 'delete';
        expect(operation.responses['422'], `${method} ${path}`).toEqual(reads ? (declared ? { description: 'Declared by the route' } : validationError) : undefined);
      }
    }
    expect(doc.components!.schemas!['HTTPValidationError']).toEqual({
      type: 'object',
      properties: { detail: { type: 'array', items: { $ref: '#/components/schemas/ValidationError' }, title: 'Detail' } },
      title: 'HTTPValidationError',
    });
    expect(doc.components!.schemas!['ValidationError']).toEqual({
      type: 'object',
      properties: {
        loc: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] }, title: 'Location' },
        msg: { type: 'string', title: 'Message' },
        type: { type: 'string', title: 'Error Type' },
        input: { title: 'Input' },
        ctx: { type: 'object', title: 'Context' },
      },
      required: ['loc', 'msg', 'type'],
      title: 'ValidationError',
    });
  });

  it('documents validation errors under the app\'s configured status', () => {
    @Controller()
    class Strict {
      @Get('/strict')
      strict(@Query('q') q: string) {
        return q;
      }
    }
    const custom = openapiDocument(new App({ logger: false, validationErrorStatus: 400 }).include(Strict));
    const responses = custom.paths['/strict']!['get']!.responses;
    expect(Object.keys(responses)).toEqual(['200', '400']);
    expect(responses['400']).toEqual(validationError);
  });

  it('marks deprecated operations', () => {
    expect(op('/items/{item_id}', 'put').deprecated).toBe(true);
    expect(op('/items/{item_id}', 'get').deprecated).toBeUndefined();
  });

  it('leaves out includeInSchema: false routes and the HEAD added to GET routes, but keeps declared HEAD and every method of a route', () => {
    expect(doc.paths['/items/hidden']).toBeUndefined();
    for (const item of Object.values(doc.paths)) if (item['get']) expect(item['head']).toBeUndefined();
    expect(Object.keys(doc.paths['/ping']!)).toEqual(['head']);
    expect(doc.paths['/both']).toEqual({
      get: expect.objectContaining({ operationId: 'both_both_get' }),
      post: expect.objectContaining({ operationId: 'both_both_post' }),
    });
  });

  it("derives the summary and operationId from a route's name option, as FastAPI does from name=", () => {
    @Controller('/orders')
    class Orders {
      @Get('/{order_id}', { name: 'read_order' })
      one(@Path('order_id') orderId: string) {
        return { orderId };
      }

      @Get('', { name: 'list_orders', summary: 'All orders', operationId: 'orders' })
      all() {
        return [];
      }
    }
    const named = openapiDocument(new App({ logger: false }).include(Orders));
    expect(named.paths['/orders/{order_id}']!['get']).toMatchObject({ summary: 'Read Order', operationId: 'read_order_orders__order_id__get' });
    // Explicit ones still win.
    expect(named.paths['/orders']!['get']).toMatchObject({ summary: 'All orders', operationId: 'orders' });
  });

  it('warns about duplicate operation ids', () => {
    @Controller()
    class Twice {
      @Get('/a', { operationId: 'same' })
      a() {
        return {};
      }

      @Get('/b', { operationId: 'same' })
      b() {
        return {};
      }
    }
    const warn = vi.fn();
    const logger = { warn, info: vi.fn(), error: vi.fn(), debug: vi.fn(), child: () => logger } as unknown as NonNullable<ConstructorParameters<typeof App>[0]>['logger'];
    openapiDocument(new App({ logger }).include(Twice));
    expect(warn).toHaveBeenCalledWith({ operationId: 'same', route: 'Twice.b' }, 'duplicate OpenAPI operationId');
  });

  it('is plain JSON: serializing and parsing gives the same document', () => {
    const copy = JSON.parse(JSON.stringify(doc)) as OpenAPIDocument;
    expect(copy).toEqual(doc);
  });
});
