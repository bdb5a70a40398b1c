import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBackend } from '@fastts/tasks';
import { LiveTestClient } from '@fastts/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, thumbnail } from '../src/app.js';

// Worker threads cannot load the TypeScript sources vitest runs, so these tests
// render in process (offload: 'inline'). The worker path runs from the build:
// `npm start -w examples/task-offload`, and the offload benchmark.
describe('task-offload', () => {
  let dir: string;
  let client: LiveTestClient | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'task-offload-'));
    process.env['OUTPUT_DIR'] = dir;
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
    delete process.env['OUTPUT_DIR'];
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 202 with the task id, and the thumbnail is rendered after', async () => {
    client = await LiveTestClient.start(createApp({ logger: false, tasksBackend: new MemoryBackend(), offload: 'inline' }), { waitForTasks: false });
    const res = await client.post('/thumbnails', { json: { width: 64, height: 48, iterations: 50 } });
    expect(res.status).toBe(202);
    const { task_id, status_url } = res.json();
    expect(status_url).toBe(`/tasks/${task_id}`);

    await client.waitForTasks();
    const task = (await client.get(status_url)).json();
    expect(task).toMatchObject({ name: 'render-thumbnail', queue: 'images', state: 'succeeded', result: { bytes: 13 + 64 * 48 } });
    const image = await readFile(task.result.file);
    expect(image.subarray(0, 13).toString('ascii')).toBe('P5\n64 48\n255\n');
    expect(image).toHaveLength(13 + 64 * 48);
  });

  it('answers 422 for a size it will not render', async () => {
    client = await LiveTestClient.start(createApp({ logger: false, tasksBackend: new MemoryBackend(), offload: 'inline' }));
    const res = await client.post('/thumbnails', { json: { width: 10_000, height: 48, iterations: 50 } });
    expect(res.status).toBe(422);
    expect(res.json().detail[0]).toMatchObject({ loc: ['body', 'width'] });
  });

  it('points the workers at the compiled job module and its export', () => {
    expect(thumbnail.offload).toEqual({ module: new URL('../src/jobs/thumbnail.js', import.meta.url).href, exportName: 'renderThumbnail' });
  });

  it("renders from the SQLite file FASTTS_TASKS_DB names, the app's default", async () => {
    process.env['FASTTS_TASKS_DB'] = join(dir, 'tasks.db');
    try {
      client = await LiveTestClient.start(createApp({ logger: false, offload: 'inline' }), { waitForTasks: false });
      const { status_url } = (await client.post('/thumbnails', { json: { width: 32, height: 16, iterations: 20 } })).json();
      const deadline = Date.now() + 5_000;
      let task = (await client.get(status_url)).json();
      while (task.state !== 'succeeded') {
        if (Date.now() > deadline) throw new Error(`the thumbnail was not rendered in time: ${task.state}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        task = (await client.get(status_url)).json();
      }
      expect(task).toMatchObject({ name: 'render-thumbnail', result: { bytes: 13 + 32 * 16 } });
    } finally {
      delete process.env['FASTTS_TASKS_DB'];
    }
  });
});
