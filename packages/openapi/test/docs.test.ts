import { readFileSync } from 'node:fs';
import { constraintRules } from '@fastts/openapi';
import { describe, expect, it } from 'vitest';

// docs/openapi.md: its tables and snippets fail here when they drift from the code.

const root = new URL('../../../', import.meta.url);
const page = readFileSync(new URL('docs/openapi.md', root), 'utf8');

describe('docs/openapi.md', () => {
  it('lists every class-validator constraint the generator maps', () => {
    const rows = page.split('\n').filter((line) => line.startsWith('| `'));
    const documented = new Set(rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`(\w+)`/g)].map((m) => m[1])));
    for (const name of Object.keys(constraintRules)) expect(documented, name).toContain(name);
  });

  it('copies every snippet from the file it names', () => {
    const snippets = [...page.matchAll(/```ts\n([\s\S]*?)```\n\nFrom `([^`]+)`/g)];
    expect(snippets.length).toBeGreaterThanOrEqual(3);
    for (const [, code, file] of snippets) expect(readFileSync(new URL(file!, root), 'utf8'), file).toContain(code);
  });
});
