import 'reflect-metadata';
import { Exclude, Transform, Type } from 'class-transformer';
import { IsArray, IsBoolean, IsDate, IsInt, IsNumber, IsOptional, IsPositive, IsString, Length, ValidateNested } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { ResponseValidationError } from '../errors/validation-error.js';
import { Model } from './model-options.js';
import { JsonText } from '../http/response.js';
import { compileJsonWriter } from './json-writer.js';
import { responseSerializer } from './response-model.js';
import type { OutputOptions } from './output-options.js';

class Tag {
  @IsString()
  label!: string;
}

class Item {
  @IsInt()
  id!: number;

  @IsString()
  @Length(1, 20)
  name!: string;

  @IsNumber()
  @IsPositive()
  price!: number;

  @IsOptional()
  @IsBoolean()
  onSale?: boolean;

  @IsArray()
  @IsString({ each: true })
  codes!: string[];

  @IsOptional()
  @ValidateNested()
  @Type(() => Tag)
  tags?: Tag[];

  @Exclude()
  @IsOptional()
  @IsString()
  secret?: string;
}

class WithDefault {
  @IsOptional()
  @IsString()
  kind: string = 'plain';
}

class WithDate {
  @IsDate()
  at!: Date;
}

class Hidden {
  @IsString()
  name!: string;

  @Exclude()
  @IsInt()
  internalId!: number;
}

@Model({ extra: 'forbid' })
class Strict {
  @IsString()
  name!: string;
}

class Transformed {
  @Transform(({ value }) => String(value).toUpperCase())
  @IsString()
  name!: string;
}

/** What the route would send: the compiled writer's text, or the full path's value serialised. */
function send(model: Function | [Function], value: unknown, output: OutputOptions = {}): { fast: boolean; text: string } {
  const out = responseSerializer(model as never, { jsonText: true, output })(value);
  return out instanceof JsonText ? { fast: true, text: out.text } : { fast: false, text: JSON.stringify(out) };
}

function full(model: Function | [Function], value: unknown, output: OutputOptions = {}): string {
  return JSON.stringify(responseSerializer(model as never, { output })(value));
}

describe('compiled JSON writer for response models', () => {
  const values: unknown[] = [
    { id: 1, name: 'a', price: 2.5, codes: [] },
    { id: 2, name: 'quote " and \\ and \n', price: 1e21, onSale: false, codes: ['x', 'é', '\u2028'], tags: [{ label: 'new' }] },
    { secret: 'hidden', extra: 'dropped', codes: ['a'], price: 0.1, name: 'emoji 😀', id: -7, onSale: null, tags: null },
    { id: 3, name: 'lone \ud800 surrogate', price: 3, codes: ['\u0001'] },
  ];

  it('writes the same text as validation + instanceToPlain + JSON.stringify, field order included', () => {
    for (const value of values) {
      const sent = send(Item, value);
      expect(sent.fast).toBe(true);
      expect(sent.text).toBe(full(Item, value));
    }
    const list = send([Item], values);
    expect(list).toEqual({ fast: true, text: full([Item], values) });
  });

  it('says the text is ASCII only when it is, so its length can be its Content-Length', () => {
    const serialize = responseSerializer(Item as never, { jsonText: true });
    for (const value of [...values, { id: 4, name: 'del \u007f tilde ~', price: 1, codes: ['plain'] }]) {
      const out = serialize(value) as JsonText;
      const ascii = !/[^\u0000-\u007f]/.test(out.text);
      // Conservative: never claims ASCII for text that is not; plain ASCII text is recognised.
      if (out.ascii) expect(Buffer.byteLength(out.text)).toBe(out.text.length);
      if (ascii && !/["\\\u0000-\u001f]/.test(JSON.stringify(value))) expect(out.ascii).toBe(true);
    }
    expect((serialize(values[0]) as JsonText).ascii).toBe(true);
    expect((serialize(values[1]) as JsonText).ascii).toBe(false);
    expect((serialize(values[2]) as JsonText).ascii).toBe(false);
    class Wide {
      @IsInt()
      ['prix€']!: number;
    }
    const wide = responseSerializer(Wide as never, { jsonText: true })({ 'prix€': 1 }) as JsonText;
    expect(wide).toEqual(new JsonText('{"prix€":1}', false));
  });

  it('leaves to the full path what it cannot vouch for, which then converts or refuses as before', () => {
    // Lax conversion: "5" is a valid int for pydantic; the full path converts it.
    expect(send(Item, { id: '5', name: 'a', price: 1, codes: [] })).toEqual({ fast: false, text: '{"id":5,"name":"a","price":1,"codes":[]}' });
    // A failed constraint: the full path reports it.
    expect(() => send(Item, { id: 1, name: '', price: 1, codes: [] })).toThrow(ResponseValidationError);
    expect(() => send(Item, { id: 1, name: 'a', price: -1, codes: [] })).toThrow(ResponseValidationError);
    // Missing required field, not an object.
    expect(() => send(Item, { id: 1, name: 'a', codes: [] })).toThrow(ResponseValidationError);
    expect(() => send([Item], [1])).toThrow(ResponseValidationError);
    // A default the full path fills in.
    expect(send(WithDefault, {})).toEqual({ fast: false, text: '{"kind":"plain"}' });
    expect(send(WithDefault, { kind: 'x' })).toEqual({ fast: true, text: '{"kind":"x"}' });
  });

  it('checks excluded fields without writing them, as the full path validates them', () => {
    expect(send(Hidden, { name: 'a', internalId: 7 })).toEqual({ fast: true, text: '{"name":"a"}' });
    expect(() => send(Hidden, { name: 'a' })).toThrow(ResponseValidationError);
    expect(() => send(Hidden, { name: 'a', internalId: 'x' })).toThrow(ResponseValidationError);
  });

  it('leaves models that forbid extra keys to the full path, which refuses them', () => {
    expect(compileJsonWriter(Strict)).toBeUndefined();
    expect(() => send(Strict, { name: 'a', extra: 1 })).toThrow(ResponseValidationError);
    expect(send(Strict, { name: 'a' })).toEqual({ fast: false, text: '{"name":"a"}' });
  });

  it('writes scalar response types and lists of them the same way', () => {
    expect(compileJsonWriter([String] as never)?.(['a', 'b"'])).toBe(JSON.stringify(['a', 'b"']));
    expect(compileJsonWriter(Number as never)?.(2.5)).toBe('2.5');
    expect(compileJsonWriter(Number as never)?.('2.5')).toBeUndefined();
  });

  it('is not used for dates or class-transformer transforms', () => {
    expect(compileJsonWriter(WithDate)).toBeUndefined();
    expect(compileJsonWriter(Transformed)).toBeUndefined();
    expect(send(Transformed, { name: 'ann' })).toEqual({ fast: false, text: '{"name":"ANN"}' });
  });
});

class Priced {
  @IsString()
  name!: string;

  @IsOptional()
  @IsString()
  note?: string | null = null;

  @IsOptional()
  @IsNumber()
  tax?: number = 10.5;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  codes?: string[] = [];

  @IsOptional()
  @ValidateNested()
  @Type(() => Tag)
  tag?: Tag | null;
}

describe('compiled JSON writer with output options', () => {
  const values = [{ name: 'a' }, { name: 'b', note: null, tax: 10.5, codes: [] }, { name: 'c', note: 'n', tax: 1, codes: ['x'], tag: { label: 'l' } }, { name: 'd', tag: null }];
  const options: OutputOptions[] = [
    { responseModelExcludeUnset: true },
    { responseModelExcludeDefaults: true },
    { responseModelExcludeNone: true },
    { responseModelExcludeUnset: true, responseModelExcludeNone: true },
    { responseModelInclude: ['name', 'tag'] },
    { responseModelExclude: { tag: ['label'], tax: true } },
  ];

  it('writes in one pass what the full path sends; missing defaults too when they are left out', () => {
    for (const output of options) {
      // A default to fill in (and then send) still takes the full path, as without options.
      const dropsFilled = output.responseModelExcludeUnset === true || output.responseModelExcludeDefaults === true;
      for (const value of values) {
        const sent = send(Priced, value, output);
        expect(sent.text, JSON.stringify({ output, value })).toBe(full(Priced, value, output));
        if (dropsFilled || ('note' in value && 'tax' in value && 'codes' in value)) expect(sent.fast, JSON.stringify({ output, value })).toBe(true);
      }
      const list = send([Priced], values, output);
      expect(list.text).toBe(full([Priced], values, output));
      if (dropsFilled) expect(list.fast).toBe(true);
    }
  });

  it('leaves a model default that is an object to the full path under excludeDefaults', () => {
    class WithObjectDefault {
      @IsOptional()
      @ValidateNested()
      @Type(() => Tag)
      tag?: Tag = Object.assign(new Tag(), { label: 'x' });
    }
    expect(compileJsonWriter(WithObjectDefault, { responseModelExcludeDefaults: true })).toBeUndefined();
    expect(full(WithObjectDefault, { tag: { label: 'x' } }, { responseModelExcludeDefaults: true })).toBe('{}');
    expect(full(WithObjectDefault, { tag: { label: 'y' } }, { responseModelExcludeDefaults: true })).toBe('{"tag":{"label":"y"}}');
  });
});
