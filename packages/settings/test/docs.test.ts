import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { settingsErrorCodes } from '@fastts/settings';

const doc = (name: string) => readFileSync(new URL(`../../../docs/${name}`, import.meta.url), 'utf8');

describe('docs', () => {
  it('docs/errors.md lists every settings error code with its message template, after the tasks table', () => {
    const page = doc('errors.md');
    const section = page.slice(page.indexOf('### `@fastts/settings` error codes'));
    expect(page.indexOf('### `@fastts/settings` error codes')).toBeGreaterThan(page.indexOf('### `@fastts/tasks` error codes'));
    const rows = [...section.matchAll(/^\| `(FASTTS_ERR_SETTINGS_\w+)` \| `+ ?(.*?) ?`+ \|/gm)].map(([, code, template]) => [code, template!.replaceAll('\\|', '|')]);
    expect(rows).toEqual(Object.entries(settingsErrorCodes));
  });

  it('docs/settings.md is linked from docs/README.md', () => {
    expect(doc('README.md')).toContain('(settings.md)');
  });
});
