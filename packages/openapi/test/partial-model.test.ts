import { IsNumber, IsOptional, IsPositive, IsString, Length } from 'class-validator';
import { App, Body, Controller, Patch, PartialModel, Path } from '@fastts/core';
import { openapiDocument, SchemaRegistry } from '@fastts/openapi';
import { describe, expect, it } from 'vitest';
import { expectValidOpenAPI } from './validate.js';

class Item {
  @IsString()
  @Length(1, 20)
  name!: string;

  @IsNumber()
  @IsPositive()
  price!: number;

  @IsOptional()
  @IsNumber()
  tax?: number = 10.5;
}

class ItemPatch extends PartialModel(Item) {}

@Controller()
class Items {
  @Patch('/items/{id}', { responseModel: Item })
  update(@Path('id') id: string, @Body() patch: ItemPatch) {
    return { id, ...patch };
  }
}

describe('OpenAPI schema of a partial model', () => {
  it('has every field optional (no `required`), constraints kept, no defaults to fill in', () => {
    const registry = new SchemaRegistry();
    expect(registry.typeSchema(PartialModel(Item))).toEqual({ $ref: '#/components/schemas/ItemPartial' });
    expect(registry.components()['ItemPartial']).toEqual({
      type: 'object',
      properties: {
        name: { anyOf: [{ type: 'string', minLength: 1, maxLength: 20 }, { type: 'null' }], title: 'Name' },
        price: { anyOf: [{ type: 'number', exclusiveMinimum: 0 }, { type: 'null' }], title: 'Price' },
        tax: { anyOf: [{ type: 'number' }, { type: 'null' }], title: 'Tax' },
      },
      title: 'ItemPartial',
    });
  });

  it('names a subclass after itself, next to the full model in the document', () => {
    const doc = openapiDocument(new App({ logger: false }).include(Items));
    expectValidOpenAPI(doc);
    const operation = doc.paths['/items/{id}']!['patch']!;
    expect(operation.requestBody).toEqual({ required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/ItemPatch' } } } });
    const schemas = doc.components!['schemas'] as Record<string, { required?: string[]; title: string }>;
    expect(schemas['ItemPatch']!.required).toBeUndefined();
    expect(schemas['ItemPatch']!.title).toBe('ItemPatch');
    expect(schemas['Item']!.required).toEqual(['name', 'price']);
  });
});
