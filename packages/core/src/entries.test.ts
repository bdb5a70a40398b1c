import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import * as classTransformer from 'class-transformer';
import * as classValidator from 'class-validator';
import { describe, expect, it } from 'vitest';
import { App, Body, Controller, Post } from '@fastts/core';
import * as transformers from '@fastts/core/transformers';
import * as validators from '@fastts/core/validators';
import { TestClient } from '@fastts/testing';
// @ts-expect-error: a plain .mjs script, without type declarations.
import { renderEntry } from '../scripts/entries.mjs';

const run = promisify(execFile);
const generated = readFileSync(new URL('./validators.ts', import.meta.url), 'utf8');
const generatedTransformers = readFileSync(new URL('./transformers.ts', import.meta.url), 'utf8');
const exported = validators as unknown as Record<string, (...args: unknown[]) => unknown>;

describe('@fastts/core/validators and @fastts/core/transformers', () => {
  it('are generated from the installed class-validator and class-transformer', () => {
    // After upgrading either: `npm run entries -w @fastts/core`.
    expect(renderEntry('validators')).toBe(generated);
    expect(renderEntry('transformers')).toBe(generatedTransformers);
  });

  it("forwards every decorator and check function of class-validator's index", () => {
    const names = Object.keys(exported);
    expect(names.length).toBeGreaterThan(200);
    for (const name of ['IsString', 'Length', 'ValidateNested', 'IsOptional', 'ValidatorConstraint', 'Validate', 'registerDecorator', 'isEmail']) {
      expect(names).toContain(name);
    }
    for (const name of names) {
      expect(typeof exported[name], name).toBe('function');
      expect(exported[name]!.name, name).toBe(name);
    }
    // Check functions give class-validator's answers.
    expect(validators.isEmail('ada@example.com')).toBe(true);
    expect(validators.isEmail('ada')).toBe(false);
    expect(validators.isPhoneNumber('+44 20 7946 0958')).toBe(classValidator.isPhoneNumber('+44 20 7946 0958'));
    expect(validators.getMetadataStorage()).toBe(classValidator.getMetadataStorage());
    // What class-validator's index defines itself needs the whole library: not forwarded.
    expect(names).not.toContain('validate');
    expect(Object.keys(transformers).sort()).toEqual(
      ['Exclude', 'Expose', 'Transform', 'TransformInstanceToInstance', 'TransformInstanceToPlain', 'TransformPlainToInstance', 'Type'],
    );
  });

  it("reads nested models typed with the entry's @Type() as with class-transformer's", async () => {
    class Tag {
      @validators.IsString()
      @validators.MinLength(2)
      name!: string;
    }
    class Article {
      @validators.ValidateNested({ each: true })
      @transformers.Type(() => Tag)
      tags!: Tag[];

      @validators.IsOptional()
      @classValidator.ValidateNested()
      @classTransformer.Type(() => Tag)
      main?: Tag;
    }
    @Controller()
    class Posts {
      @Post('/posts')
      create(@Body() article: Article) {
        return { tags: article.tags.every((tag) => tag instanceof Tag), main: article.main === undefined || article.main instanceof Tag };
      }
    }
    const client = new TestClient(new App({ logger: false }).include(Posts));
    expect((await client.post('/posts', { json: { tags: [{ name: 'ts' }], main: { name: 'js' } } })).json()).toEqual({ tags: true, main: true });
    const invalid = await client.post('/posts', { json: { tags: [{ name: 'ts' }, { name: 'x' }] } });
    expect(invalid.status).toBe(422);
    expect((invalid.json() as { detail: { loc: unknown[] }[] }).detail.map((d) => d.loc)).toEqual([['body', 'tags', 1, 'name']]);
  });

  it('validates a model exactly as the same model declared with class-validator', async () => {
    class Ours {
      @validators.IsString()
      @validators.Length(2, 5)
      name!: string;

      @validators.IsOptional()
      @validators.IsInt()
      @validators.Min(1)
      count?: number;
    }
    class Theirs {
      @classValidator.IsString()
      @classValidator.Length(2, 5)
      name!: string;

      @classValidator.IsOptional()
      @classValidator.IsInt()
      @classValidator.Min(1)
      count?: number;
    }
    @Controller()
    class Echo {
      @Post('/ours')
      ours(@Body() body: Ours) {
        return { ours: body instanceof Ours, ...body };
      }

      @Post('/theirs')
      theirs(@Body() body: Theirs) {
        return { ours: body instanceof Ours, ...body };
      }
    }
    const client = new TestClient(new App({ logger: false }).include(Echo));
    for (const body of [{ name: 'ada', count: 2 }, { name: 'a', count: 0 }, { name: 7 }, {}, { name: 'ada', count: '3' }]) {
      const ours = await client.post('/ours', { json: body });
      const theirs = await client.post('/theirs', { json: body });
      expect(ours.status, JSON.stringify(body)).toBe(theirs.status);
      const answer = ours.json() as { ours?: boolean };
      if (ours.status === 200) expect(answer.ours).toBe(true);
      expect({ ...answer, ours: undefined }).toEqual({ ...(theirs.json() as object), ours: undefined });
    }
    expect((await client.post('/ours', { json: { name: 'a' } })).json()).toEqual({
      detail: [{ type: 'string_too_short', loc: ['body', 'name'], msg: 'String should have at least 2 characters', input: 'a', ctx: { min_length: 2 } }],
    });
  });

  it('loads only the files of the decorators used, not the libraries\' indexes', async () => {
    const loaded = await loadedBy(generated, ['IsString', 'Length', 'IsInt', 'IsOptional', 'IsArray', 'ValidateNested', 'Min']);
    expect(loaded.some((file) => file.includes('/class-validator/cjs/decorator/typechecker/IsString.js'))).toBe(true);
    expect(loaded.filter((file) => file.includes('/libphonenumber-js/'))).toEqual([]);
    expect(loaded.filter((file) => /\/class-validator\/cjs\/(index|decorator\/decorators)\.js$/.test(file))).toEqual([]);
    expect(loaded.filter((file) => file.includes('/validator/index.js'))).toEqual([]);
    expect(loaded.length).toBeLessThan(40);

    const loadedByTransformers = await loadedBy(generatedTransformers, ['Type', 'Expose']);
    expect(loadedByTransformers.some((file) => file.endsWith('/class-transformer/cjs/decorators/type.decorator.js'))).toBe(true);
    expect(loadedByTransformers.filter((file) => /\/class-transformer\/cjs\/(index|ClassTransformer|decorators\/index)\.js$/.test(file))).toEqual([]);
  });
});

/**
 * The CommonJS files a fresh process holds (as an app would start) after
 * requiring the files an entry forwards `names` to.
 */
async function loadedBy(entry: string, names: string[]): Promise<string[]> {
  const files = names.map((name) => new RegExp(`export const ${name}: .*lazyExport\\('([^']+)'`).exec(entry)?.[1]);
  expect(files).not.toContain(undefined);
  const script = `for (const f of ${JSON.stringify(files)}) require(f); console.log(JSON.stringify(Object.keys(require.cache)));`;
  const { stdout } = await run(process.execPath, ['-e', script], { cwd: new URL('..', import.meta.url) });
  return (JSON.parse(stdout) as string[]).map((file) => file.replaceAll('\\', '/'));
}
