import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveTestClient } from '@fastts/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';

describe('send-notification', () => {
  let dir: string;
  let client: LiveTestClient | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'send-notification-'));
    process.env['LOG_FILE'] = join(dir, 'log.txt');
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
    delete process.env['LOG_FILE'];
    await rm(dir, { recursive: true, force: true });
  });

  it('answers at once and writes the log line after the response', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }), { waitForTasks: false });
    const res = await client.post('/send-notification/foo@example.com');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ message: 'Notification sent in the background' });

    await client.waitForTasks();
    expect(await readFile(join(dir, 'log.txt'), 'utf8')).toBe('notification for foo@example.com: some notification\n');
  });

  it('appends one line per request, in request order', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    await client.post('/send-notification/a@example.com');
    await client.post('/send-notification/b@example.com');
    expect(await readFile(join(dir, 'log.txt'), 'utf8')).toBe(
      'notification for a@example.com: some notification\nnotification for b@example.com: some notification\n',
    );
  });

  it('decodes the e-mail from the path', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    await client.post('/send-notification/first%2Blast%40example.com');
    expect(await readFile(join(dir, 'log.txt'), 'utf8')).toBe('notification for first+last@example.com: some notification\n');
  });

  it('answers 405 to GET and writes nothing', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    const res = await client.get('/send-notification/a@example.com');
    expect(res.status).toBe(405);
    expect(res.json()).toEqual({ detail: 'Method Not Allowed' });
    await expect(readFile(join(dir, 'log.txt'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
