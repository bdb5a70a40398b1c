import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from '@fastts/core';
import { openapiDocument } from '@fastts/openapi';
import type { TaskBackend } from '@fastts/tasks';
import { sqliteBackend } from '@fastts/tasks-sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { expectValidOpenAPI } from './validate.js';

// Every example app's document: valid OpenAPI 3.1, and unchanged unless its
// snapshot is updated on purpose (`npx vitest run packages/openapi -u`).

const examplesDir = fileURLToPath(new URL('../../../examples/', import.meta.url));
const examples = readdirSync(examplesDir, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

// The task-* examples open their SQLite file (FASTTS_TASKS_DB, else one in
// their folder) when the app is built: a temporary one here.
const tasksDir = mkdtempSync(join(tmpdir(), 'openapi-examples-'));
process.env['FASTTS_TASKS_DB'] = join(tasksDir, 'tasks.db');
afterAll(() => {
  delete process.env['FASTTS_TASKS_DB'];
  rmSync(tasksDir, { recursive: true, force: true });
});

describe('the OpenAPI document of every example', () => {
  it('covers every example directory', () => {
    expect(examples).toContain('main');
    expect(examples.length).toBeGreaterThanOrEqual(10);
  });

  for (const name of examples) {
    it(`${name}: valid OpenAPI 3.1, as in its snapshot`, async () => {
      const { createApp } = (await import(`../../../examples/${name}/src/app.ts`)) as { createApp: (options: { logger: false; tasksBackend?: TaskBackend }) => App };
      // task-redis needs a Redis to build its backend; its document does not depend on which durable backend it is.
      const app = createApp(name === 'task-redis' ? { logger: false, tasksBackend: sqliteBackend({ path: join(tasksDir, 'task-redis.db') }) } : { logger: false });
      const doc = openapiDocument(app, { title: name, version: '0.0.0' });
      await expectValidOpenAPI(doc);
      // Every route of the app is in the document, except the docs' own.
      const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
      const routes = app.routes
        .filter((r) => r.options.includeInSchema !== false)
        .flatMap((r) => r.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${r.path.replace(/:[a-z]+\}/g, '}')}`));
      expect(operations.sort()).toEqual(routes.sort());
      await expect(`${JSON.stringify(doc, null, 2)}\n`).toMatchFileSnapshot(`./__snapshots__/${name}.json`);
      await app.close();
    });
  }
});
