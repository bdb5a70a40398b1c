import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { App, Body, Controller, Depends, File, Form, Get, Header, Int, Path, Post, Query, UploadFile, dependency } from '@fastts/core';
import { describeModel, describeRoute } from '@fastts/core/extend';

class Filters {
  @IsOptional()
  @IsInt()
  @Min(0)
  skip = 0;

  @IsString()
  q!: string;
}

class Item {
  @IsString()
  name!: string;

  @IsInt()
  @Min(1)
  @Max(9)
  size!: number;
}

const token = dependency([Header('x_token')], (t) => t);

@Controller('/api', { tags: ['api'] })
class Api {
  @Get('/items/{item_id}', { summary: 'Read', tags: ['items'] })
  read(@Path('item_id', { type: Int }) id: number, @Depends(token) _t: string, @Query() filters: Filters) {
    return { id, filters };
  }

  @Post('/items', { statusCode: 201 })
  create(@Body() item: Item) {
    return item;
  }

  @Post('/upload')
  upload(@File('file') file: UploadFile, @Form('note', { optional: true }) note?: string) {
    return { file: file.filename, note };
  }
}

describe('introspection', () => {
  const routes = new App({ logger: false }).include(Api).routes;

  it('lists every parameter of a route and its dependencies, grouped models flattened', () => {
    const read = describeRoute(routes[0]!);
    expect(read).toMatchObject({ path: '/api/items/{item_id}', methods: ['GET', 'HEAD'], tags: ['api', 'items'], options: { summary: 'Read' } });
    expect(read.parameters.map((p) => [p.source, p.name, p.required])).toEqual([
      ['header', 'x-token', true],
      ['path', 'item_id', true],
      ['query', 'skip', false],
      ['query', 'q', true],
    ]);
    expect(read.body).toBeUndefined();
  });

  it('describes JSON and multipart bodies', () => {
    expect(describeRoute(routes[1]!).body).toMatchObject({ kind: 'json', required: true, whole: { type: Item } });
    expect(describeRoute(routes[2]!).body).toMatchObject({
      kind: 'form',
      files: true,
      fields: [
        { name: 'file', file: true, required: true },
        { name: 'note', file: false, required: false },
      ],
    });
  });

  it('describes model fields and constraints', () => {
    expect(describeModel(Item)).toEqual({
      cls: Item,
      name: 'Item',
      forbidExtra: false,
      fields: [
        { name: 'name', type: String, optional: false, default: undefined, excluded: false, constraints: [] },
        {
          name: 'size',
          type: Int,
          optional: false,
          default: undefined,
          excluded: false,
          constraints: [
            { name: 'min', constraints: [1], each: false },
            { name: 'max', constraints: [9], each: false },
          ],
        },
      ],
    });
  });
});
