import { readFileSync } from 'node:fs';
import { constraintRules } from '@fastts/openapi';
import { describe, expect, it } from 'vitest';

// docs/openapi.md: its constraint table fails here when it drifts from the code
// (packages/core/test/docs-snippets.test.ts checks its snippets).

const root = new URL('../../../', import.meta.url);
const page = readFileSync(new URL('docs/openapi.md', root), 'utf8');

describe('docs/openapi.md', () => {
  it('lists every class-validator constraint the generator maps', () => {
    const rows = page.split('\n').filter((line) => line.startsWith('| `'));
    const documented = new Set(rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`(\w+)`/g)].map((m) => m[1])));
    for (const name of Object.keys(constraintRules)) expect(documented, name).toContain(name);
  });
});
