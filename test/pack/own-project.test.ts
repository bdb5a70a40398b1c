import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../packages/core/src/errors/codes.js';

// docs/own-project.md against the files it quotes (test/pack/app, which
// pack.test.ts installs and runs) and against what @fastts/core loads at run time.

const root = fileURLToPath(new URL('../../', import.meta.url));
const page = readFileSync(join(root, 'docs', 'own-project.md'), 'utf8');

/** Packages `@fastts/core`'s sources load with `requireCjs`, `lazy` or `lazyExport` (src/internal/lazy.ts). */
function packagesLoadedAtRunTime(): Set<string> {
  const src = join(root, 'packages', 'core', 'src');
  const found = new Set<string>();
  for (const file of readdirSync(src, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    for (const [, specifier] of readFileSync(join(src, file), 'utf8').matchAll(/\b(?:requireCjs|lazy|lazyExport)(?:<.*?>)?\('([^']+)'/g)) {
      const parts = specifier!.split('/');
      found.add(specifier!.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
    }
  }
  return found;
}

describe('docs/own-project.md', () => {
  it('copies every TypeScript and JSON snippet from the file it names', () => {
    const snippets = [...page.matchAll(/```(?:ts|json)\n([\s\S]*?)```\n\nFrom `([^`]+)`/g)];
    expect(snippets.length).toBe(page.match(/```(?:ts|json)\n/g)!.length);
    expect(snippets.length).toBeGreaterThanOrEqual(5);
    for (const [, code, file] of snippets) expect(readFileSync(join(root, file!), 'utf8'), file).toContain(code);
  });

  it("quotes FASTTS_ERR_NO_DESIGN_TYPES's message as fastts writes it", () => {
    expect(page).toContain(`FastTsError: ${format(errorCodes.FASTTS_ERR_NO_DESIGN_TYPES[0], 'SignupController.signup')}\n`);
  });

  it("lists as bundler externals exactly what @fastts/core's sources load at run time, and every @fastts package", () => {
    const loaded = packagesLoadedAtRunTime();
    expect(loaded).toContain('reflect-metadata');
    const command = /```sh\nnpx esbuild [\s\S]*?```/.exec(page)![0];
    const externals = [...command.matchAll(/--external:(\S+)/g)].map(([, name]) => name!);
    expect(externals).toContain('@fastts/*');
    expect(new Set(externals.filter((name) => name !== '@fastts/*'))).toEqual(loaded);
    const prose = /- \*\*What `@fastts\/core` loads[\s\S]*?\n\n/.exec(page)![0];
    for (const name of loaded) expect(prose, name).toContain(`\`${name}\``);
  });

  it('is linked from docs/README.md', () => {
    expect(readFileSync(join(root, 'docs', 'README.md'), 'utf8')).toContain('(own-project.md)');
  });
});
