import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The package's own import graph: no file imports itself back through others
// (issue 15 found definition → named-task → runtime → definition), and only
// core-seam.ts reads the app or the core's task protocol, so the core's typed
// extension entry will replace one file.

const dir = new URL('../src/', import.meta.url);
const sources = new Map(
  readdirSync(dir)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => [file.replace(/\.ts$/, ''), readFileSync(new URL(file, dir), 'utf8')]),
);
/** Local imports of each file, type-only ones included (they tie the files together just the same). */
const graph = new Map([...sources].map(([file, text]) => [file, [...text.matchAll(/from '\.\/([\w-]+)\.js'/g)].map((m) => m[1]!)]));

function cycles(): string[] {
  const found = new Set<string>();
  const visit = (file: string, path: string[]) => {
    const at = path.indexOf(file);
    if (at >= 0) return void found.add([...path.slice(at), file].join(' → '));
    for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
  };
  for (const file of graph.keys()) visit(file, []);
  return [...found];
}

describe('@fastts/tasks source layout', () => {
  it('has no import cycle', () => {
    expect(cycles()).toEqual([]);
  });

  it('reads the app and the core task protocol only in core-seam.ts', () => {
    const seamNames = /\b(App|kCreateTask|TaskOrigin|TaskRunContext|TaskFactory|TaskFailure|Tracked)\b/;
    const readers = [...sources]
      .filter(([, text]) => [...text.matchAll(/import ([^;]*?) from '@fastts\/core';/g)].some(([, names]) => seamNames.test(names!)) || /\b(origin|context)\??\.app\b/.test(text))
      .map(([file]) => file);
    expect(readers).toEqual(['core-seam']);
  });
});
