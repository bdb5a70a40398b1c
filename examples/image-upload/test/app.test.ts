import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LiveTestClient } from '@fastts/testing';
import { createApp } from '../src/app.js';

let client: LiveTestClient;
let output: string;

beforeEach(async () => {
  output = await mkdtemp(join(tmpdir(), 'image-upload-'));
  process.env['OUTPUT_DIR'] = output;
});

afterEach(async () => {
  await client.close();
  delete process.env['OUTPUT_DIR'];
});

const imageForm = (bytes: Uint8Array, type = 'image/png', name = 'cat.png') => {
  const form = new FormData();
  form.append('image', new Blob([bytes], { type }), name);
  return form;
};

describe('image upload', () => {
  it('answers 202 at once and processes the image in the background, over a real socket', async () => {
    // A spool threshold below the image size puts the upload in a temporary file.
    client = await LiveTestClient.start(createApp({ logger: false, uploads: { spoolThreshold: 1024 } }), { waitForTasks: false });
    const bytes = new Uint8Array(200 * 1024).map((_, i) => i % 251);
    const res = await client.post('/images', { multipart: imageForm(bytes) });
    expect(res.status).toBe(202);
    const { id, filename, size, status } = res.json();
    expect({ filename, size }).toEqual({ filename: 'cat.png', size: bytes.length });
    await client.waitForTasks();
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect((await client.get(status)).json()).toEqual({ id, state: 'done', size: bytes.length, sha256, contentType: 'image/png' });
    expect(JSON.parse(await readFile(join(output, `${id}.json`), 'utf8'))).toEqual({ filename: 'cat.png', size: bytes.length, sha256 });
  });

  it('refuses a file that is not an image, and a request without one', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    const text = await client.post('/images', { multipart: imageForm(new TextEncoder().encode('hi'), 'text/plain', 'a.txt') });
    expect(text.status).toBe(415);
    expect(text.json()).toEqual({ detail: 'expected an image, got text/plain' });
    const none = await client.post('/images', { multipart: new FormData() });
    expect(none.status).toBe(422);
    expect(none.json().detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'image'] });
    expect((await client.get('/images/999')).status).toBe(404);
  });
});
