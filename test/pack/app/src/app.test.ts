// Run with `node --test dist/app.test.js` after tsc: no test runner to install.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TestClient } from '@fastts/testing';
import { createApp } from './app.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signups-'));
  process.env['OUT_FILE'] = join(dir, 'signups.txt');
});
after(() => rm(dir, { recursive: true, force: true }));

test('a signup answers 202 and its tasks have run when post() resolves', async () => {
  const client = new TestClient(createApp({ logger: false }));
  const res = await client.post('/signups', { json: { email: 'ada@example.com', address: { city: 'London' } } });
  assert.equal(res.status, 202);
  const { task_id } = res.json() as { task_id: string };
  assert.equal(await readFile(join(dir, 'signups.txt'), 'utf8'), 'signup ada@example.com from London\nwelcome ada@example.com\n');
  const status = await client.get(`/tasks/${task_id}`);
  assert.equal((status.json() as { state: string }).state, 'succeeded');
});

test('a nested model is validated through class-transformer\'s @Type', async () => {
  const client = new TestClient(createApp({ logger: false }));
  const res = await client.post('/signups', { json: { email: 'ada@example.com', address: { city: 7 } } });
  assert.equal(res.status, 422);
  assert.deepEqual(
    (res.json() as { detail: { loc: unknown[] }[] }).detail.map((issue) => issue.loc),
    [['body', 'address', 'city']],
  );
});
