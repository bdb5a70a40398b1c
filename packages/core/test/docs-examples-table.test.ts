import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// docs/getting-started.md introduces every runnable example in one table; a new
// folder under examples/ fails here until the table names it.
const root = new URL('../../../', import.meta.url);

describe('docs/getting-started.md', () => {
  it('lists every folder of examples/ in its examples table, and nothing else', () => {
    const page = readFileSync(new URL('docs/getting-started.md', root), 'utf8');
    const lines = page.split('\n');
    const start = lines.indexOf('| example | what it shows |');
    expect(start).toBeGreaterThan(-1);
    const table: string[] = [];
    for (let i = start + 2; lines[i]?.startsWith('|'); i++) table.push(lines[i]!);
    const listed = table.map((row) => /^\| `([\w-]+)` \|/.exec(row)?.[1]).sort();
    const folders = readdirSync(new URL('examples/', root), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(listed).toEqual(folders);
  });
});
