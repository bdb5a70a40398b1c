import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '@fastts/core';
// Tasks' codes live in their package (the core cannot import it); docs/errors.md lists them after the core's.
import { taskErrorCodes } from '@fastts/tasks';
import { mappedConstraints } from '../src/validation/constraint-issues.js';

// The docs hold the tables users look codes up in; these tests fail when the
// code and the tables drift apart.
const doc = (name: string) => readFileSync(new URL(`../../../docs/${name}`, import.meta.url), 'utf8');

describe('docs tables', () => {
  it("docs/errors.md lists every error code, the core's then the tasks', with its status and message template", () => {
    const rows = [...doc('errors.md').matchAll(/^\| `(FASTTS_ERR_\w+)` \| (\d+) \| `+ ?(.*?) ?`+ \|/gm)].map(([, code, status, template]) => [
      code,
      Number(status),
      template!.replaceAll('\\|', '|'),
    ]);
    const expected = [...Object.entries(errorCodes), ...Object.entries(taskErrorCodes)].map(([code, [template, status]]) => [code, status, template]);
    expect(rows).toEqual(expected);
  });

  it('docs/validation.md maps every constraint fastts translates', () => {
    const documented = [...doc('validation.md').matchAll(/^\| `(\w+)`[^|]*\| `/gm)].map(([, name]) => name);
    for (const name of mappedConstraints) expect(documented).toContain(name);
  });
});
