import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { taskStates } from '@fastts/tasks';

// docs/tasks.md: its snippets fail here when they drift from the files they are copied from.

const root = new URL('../../../', import.meta.url);
const page = readFileSync(new URL('docs/tasks.md', root), 'utf8');

describe('docs/tasks.md', () => {
  it('copies every snippet from the file it names', () => {
    const snippets = [...page.matchAll(/```ts\n([\s\S]*?)```\n\nFrom `([^`]+)`/g)];
    expect(snippets.length).toBeGreaterThanOrEqual(7);
    for (const [, code, file] of snippets) expect(readFileSync(new URL(file!, root), 'utf8'), file).toContain(code);
  });

  it('names every task state', () => {
    for (const state of taskStates) expect(page).toContain(state);
  });
});
