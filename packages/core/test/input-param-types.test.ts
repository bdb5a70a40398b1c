import { IsString } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { App, Body, Controller, Depends, Get, Header, Int, Path, Post, Query, dependency } from '@fastts/core';

// A declared `type` that contradicts the parameter's TypeScript type is refused
// when routes compile (FASTTS_ERR_PARAM_TYPE_CONFLICT), instead of converting
// to one type while the handler is written for another.

class Item {
  @IsString()
  name!: string;
}

const compile = (ctrl: new () => object) => () => new App({ logger: false }).include(ctrl).compile();

describe('a declared type that contradicts the design type', () => {
  it('Int on a string parameter is refused, naming the parameter and both types', () => {
    @Controller()
    class C {
      @Get('/c')
      c(@Query('n', { type: Int }) _n: string) {}
    }
    expect(compile(C)).toThrow(
      expect.objectContaining({ code: 'FASTTS_ERR_PARAM_TYPE_CONFLICT', message: expect.stringMatching(/C\.c: parameter 'n' is declared \{ type: Int \} but its TypeScript type is String/) }),
    );
  });

  it.each([
    ['Number vs string', () => { @Controller() class K { @Get('/k') k(@Query('n', { type: Number }) _n: string) {} } return K; }],
    ['String vs number', () => { @Controller() class K { @Get('/k/{id}') k(@Path('id', { type: String }) _id: number) {} } return K; }],
    ['Boolean vs string', () => { @Controller() class K { @Get('/k') k(@Header('x-flag', { type: Boolean }) _f: string) {} } return K; }],
    ['[Int] vs number', () => { @Controller() class K { @Get('/k') k(@Query('ids', { type: [Int] }) _ids: number) {} } return K; }],
    ['Int vs number[]', () => { @Controller() class K { @Get('/k') k(@Query('ids', { type: Int }) _ids: number[]) {} } return K; }],
    ['Date vs string', () => { @Controller() class K { @Get('/k') k(@Query('at', { type: Date }) _at: string) {} } return K; }],
    ['a model vs string', () => { @Controller() class K { @Post('/k') k(@Body('item', { type: Item }) _item: string) {} } return K; }],
  ])('%s is refused', (_name, make) => {
    expect(compile(make())).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_PARAM_TYPE_CONFLICT' }));
  });
});

describe('a declared type that agrees, or a design type that cannot tell', () => {
  it('compiles', () => {
    @Controller()
    class Fine {
      @Get('/a/{id}')
      a(
        @Path('id', { type: Int }) _id: number,
        @Query('n', { type: Number }) _n: number,
        @Query('ids', { type: [Int] }) _ids: number[],
        @Query('maybe', { type: Int, optional: true }) _maybe: number | null,
        @Query('s', { type: String, optional: true }) _s?: string,
        @Header('x-tags', { type: [String] }) _tags?: string[],
      ) {}

      @Post('/b')
      b(@Body('item', { type: Item }) _item: Item, @Body('any', { type: Object }) _any: string, @Depends(dependency([Query('k', { type: Int })], (k: number) => k)) _k: number) {}
    }
    expect(compile(Fine)).not.toThrow();
  });
});
