import { existsSync, readFileSync, statSync } from 'node:fs';
import type { LoadHook, ResolveHook } from 'node:module';
import { fileURLToPath } from 'node:url';
import { compileTypeScript } from './compile.js';

// The loader hooks `fastts` runs apps with (registered by register.ts): .ts
// modules are compiled by SWC with decorator metadata, and a relative `.js`
// specifier finds its `.ts` file as tsc's NodeNext resolution does, so the
// sources run as they are written for tsc.

const TS = /\.(?:ts|mts|tsx)$/;
/** tsc's NodeNext order: `./a.js` is `a.ts`, then `a.tsx`; `.mjs` is `.mts`. */
const CANDIDATES: Record<string, readonly string[]> = { '.js': ['.ts', '.tsx'], '.jsx': ['.tsx'], '.mjs': ['.mts'] };

function isFile(url: URL): boolean {
  return existsSync(url) && statSync(url).isFile();
}

/** The .ts file a relative `.js` specifier means, when there is one. */
function typeScriptTarget(specifier: string, parentURL: string | undefined): string | undefined {
  // A package's own `./x.js` means its JS, even when it ships its .ts sources beside it.
  if (parentURL === undefined || !parentURL.startsWith('file:') || parentURL.includes('/node_modules/')) return undefined;
  if (!(specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('/') || specifier.startsWith('file:'))) return undefined;
  const extension = /\.m?jsx?$/.exec(specifier)?.[0];
  if (extension === undefined) return undefined;
  const base = specifier.slice(0, -extension.length);
  for (const candidate of CANDIDATES[extension] ?? []) {
    const url = new URL(base + candidate, parentURL);
    // tsc prefers the .ts file to a .js file beside it: the .js is its output.
    if (isFile(url)) return url.href;
  }
  return undefined;
}

export const resolve: ResolveHook = (specifier, context, nextResolve) => {
  const target = typeScriptTarget(specifier, context.parentURL);
  if (target !== undefined) return { url: target, format: 'module', shortCircuit: true };
  return nextResolve(specifier, context);
};

export const load: LoadHook = (url, context, nextLoad) => {
  if (!url.startsWith('file:') || !TS.test(new URL(url).pathname)) return nextLoad(url, context);
  const path = fileURLToPath(url);
  // fastts is ES modules only: a .ts file runs as one, whatever the package's "type" says.
  return { format: 'module', source: compileTypeScript(readFileSync(path, 'utf8'), path), shortCircuit: true };
};
