import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveTestClient } from '@fastts/testing';
import { expect, it } from 'vitest';

// The first snippet of the repository's README.md, copied from here (the docs
// snippet test checks the copy), and run over a real socket below.

import { App, BackgroundTasks, Controller, Depends, Get, Int, Path, Post, Query, dependency } from '@fastts/core';
import { appendFile } from 'node:fs/promises';

const writeLog = (line: string) => appendFile(process.env['LOG_FILE'] ?? 'log.txt', `${line}\n`);

// Plain functions cannot carry parameter decorators: dependency() declares them.
const pagination = dependency([Query('skip', { type: Int, default: 0 }), Query('limit', { type: Int, default: 10 })], (skip, limit) => ({ skip, limit }));

@Controller('/items')
class ItemsController {
  @Get('/{item_id}')
  read(@Path('item_id', { type: Int }) itemId: number, @Query('q', { optional: true }) q?: string) {
    return { item_id: itemId, q: q ?? null };
  }

  @Post('/{item_id}/process')
  process(@Path('item_id', { type: Int }) itemId: number, @Depends(pagination) page: { skip: number }, tasks: BackgroundTasks) {
    tasks.addTask(writeLog, `processing ${itemId} from ${page.skip}`); // runs after the response is sent
    return { item_id: itemId, status: 'processing' };
  }
}

const app = new App().include(ItemsController);

it("runs the README's app: parameters, 422, and the task after the response", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fastts-readme-'));
  const previous = process.env['LOG_FILE'];
  process.env['LOG_FILE'] = join(dir, 'log.txt');
  const client = await LiveTestClient.start(app);
  try {
    expect((await client.get('/items/5?q=hi')).json()).toEqual({ item_id: 5, q: 'hi' });
    expect((await client.get('/items/five')).status).toBe(422);
    const res = await client.post('/items/3/process?skip=20');
    expect(res.json()).toEqual({ item_id: 3, status: 'processing' });
    expect(await readFile(join(dir, 'log.txt'), 'utf8')).toBe('processing 3 from 20\n');
  } finally {
    await client.close();
    if (previous === undefined) delete process.env['LOG_FILE'];
    else process.env['LOG_FILE'] = previous;
    await rm(dir, { recursive: true, force: true });
  }
});
