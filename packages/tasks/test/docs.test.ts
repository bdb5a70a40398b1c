import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { taskStates } from '@fastts/tasks';

// docs/tasks.md: it fails here when a task state goes unnamed
// (packages/core/test/docs-snippets.test.ts checks its snippets).

const root = new URL('../../../', import.meta.url);
const page = readFileSync(new URL('docs/tasks.md', root), 'utf8');

describe('docs/tasks.md', () => {
  it('names every task state', () => {
    for (const state of taskStates) expect(page).toContain(state);
  });
});
