import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveTestClient } from '@fastts/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, greetings } from '../src/app.js';

describe('response-background-later', () => {
  let dir: string;
  let client: LiveTestClient | undefined;

  beforeEach(async () => {
    greetings.length = 0;
    dir = await mkdtemp(join(tmpdir(), 'response-background-later-'));
    process.env['EXPORT_DIR'] = dir;
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
    delete process.env['EXPORT_DIR'];
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the task set on the response after construction', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }), { waitForTasks: false });
    const res = await client.get('/hello/Ada');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.text).toBe('Hello, Ada!');

    await client.waitForTasks();
    expect(greetings).toEqual(['greeted Ada (11 bytes)']);
  });

  it('measures the encoded body, not the string length', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    const res = await client.get('/hello/J%C3%BCrgen');
    expect(res.text).toBe('Hello, Jürgen!');
    expect(greetings).toEqual(['greeted Jürgen (15 bytes)']);
  });

  it('sends the file, then deletes it', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }), { waitForTasks: false });
    const res = await client.get('/users.csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="users.csv"');
    expect(res.text).toBe('id,name\n1,Ada\n2,Grace\n');

    await client.waitForTasks();
    expect(await readdir(dir)).toEqual([]);
  });

  it('deletes the file after a HEAD request too', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    const res = await client.head('/users.csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('22');
    expect(res.text).toBe('');
    expect(await readdir(dir)).toEqual([]);
  });
});
