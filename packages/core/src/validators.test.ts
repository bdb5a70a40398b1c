import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import * as classValidator from 'class-validator';
import { describe, expect, it } from 'vitest';
import { App, Body, Controller, Post } from '@fastts/core';
import * as validators from '@fastts/core/validators';
import { TestClient } from '@fastts/testing';
// @ts-expect-error: a plain .mjs script, without type declarations.
import { renderValidators } from '../scripts/validators.mjs';

const run = promisify(execFile);
const generated = readFileSync(new URL('./validators.ts', import.meta.url), 'utf8');
const exported = validators as unknown as Record<string, (...args: unknown[]) => unknown>;

describe('@fastts/core/validators', () => {
  it('is generated from the installed class-validator', () => {
    // After upgrading class-validator: `npm run validators -w @fastts/core`.
    expect(renderValidators()).toBe(generated);
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

  it("loads only the files of the decorators used, not class-validator's index", async () => {
    const used = ['IsString', 'Length', 'IsInt', 'IsOptional', 'IsArray', 'ValidateNested', 'Min'];
    const files = used.map((name) => new RegExp(`export const ${name}: .*lazyExport\\('([^']+)'`).exec(generated)?.[1]);
    expect(files).not.toContain(undefined);
    // A fresh process, as an app would start: require those files, then list what got loaded.
    const script = `for (const f of ${JSON.stringify(files)}) require(f); console.log(JSON.stringify(Object.keys(require.cache)));`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: new URL('..', import.meta.url) });
    const loaded = (JSON.parse(stdout) as string[]).map((file) => file.replaceAll('\\', '/'));
    expect(loaded.some((file) => file.includes('/class-validator/cjs/decorator/typechecker/IsString.js'))).toBe(true);
    expect(loaded.filter((file) => file.includes('/libphonenumber-js/'))).toEqual([]);
    expect(loaded.filter((file) => /\/class-validator\/cjs\/(index|decorator\/decorators)\.js$/.test(file))).toEqual([]);
    expect(loaded.filter((file) => file.includes('/validator/index.js'))).toEqual([]);
    expect(loaded.length).toBeLessThan(40);
  });
});
