import { stat } from 'node:fs/promises';
import { IsInt, IsString, Min } from 'class-validator';
import { afterEach, describe, expect, it } from 'vitest';
import { App, BackgroundTasks, Controller, File, Form, Int, Post, UploadFile } from '@fastts/core';
import { LiveTestClient, TestClient } from '@fastts/testing';
import { sleep } from './helpers.js';

class Login {
  @IsString()
  username!: string;

  @IsInt()
  @Min(1)
  remember!: number;
}

const seen: Record<string, unknown>[] = [];

@Controller()
class Forms {
  @Post('/login')
  login(@Form('username') username: string, @Form('age', { type: Int }) age: number, @Form('tags', { type: [String], default: [] }) tags: string[]) {
    return { username, age, tags };
  }

  @Post('/login-model')
  loginModel(@Form() form: Login) {
    return form;
  }

  @Post('/upload')
  async upload(@File('file') file: UploadFile, @Form('note', { optional: true }) note?: string) {
    return { field: file.field, filename: file.filename, type: file.contentType, size: file.size, text: await file.text(), onDisk: file.path !== undefined, note: note ?? null };
  }

  @Post('/many')
  many(@File('files', { type: [UploadFile] }) files: UploadFile[]) {
    return files.map((f) => [f.filename, f.size]);
  }

  @Post('/later')
  later(@File('file') file: UploadFile, tasks: BackgroundTasks) {
    tasks.addTask(async (f: UploadFile) => {
      await sleep(30);
      const bytes = await f.buffer();
      seen.push({ size: bytes.length, path: f.path, existed: f.path ? (await stat(f.path)).isFile() : 'memory' });
    }, file);
    return { accepted: file.filename };
  }
}

const multipart = (entries: [string, string | Blob, string?][]) => {
  const form = new FormData();
  for (const [name, value, filename] of entries) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, value, filename);
  }
  return form;
};

let live: LiveTestClient | undefined;
afterEach(async () => {
  await live?.close();
  live = undefined;
});

describe('forms', () => {
  const client = new TestClient(new App({ logger: false }).include(Forms));

  it('reads urlencoded and multipart fields with conversion', async () => {
    expect((await client.post('/login', { form: { username: 'ann', age: '30', tags: ['a', 'b'] } })).json()).toEqual({ username: 'ann', age: 30, tags: ['a', 'b'] });
    const res = await client.post('/login', { multipart: multipart([['username', 'bob'], ['age', '7']]) });
    expect(res.json()).toEqual({ username: 'bob', age: 7, tags: [] });
  });

  it('answers 422 for missing or bad form fields, at body locations', async () => {
    const res = await client.post('/login', { form: { age: 'x' } });
    expect(res.json().detail.map((d: { type: string; loc: unknown[] }) => [d.type, ...d.loc])).toEqual([
      ['missing', 'body', 'username'],
      ['int_parsing', 'body', 'age'],
    ]);
    const json = await client.post('/login', { json: { username: 'a', age: 1 } });
    expect(json.status).toBe(422);
  });

  it('reads a whole form into a model', async () => {
    expect((await client.post('/login-model', { form: { username: 'ann', remember: '3', other: 'x' } })).json()).toEqual({ username: 'ann', remember: 3 });
    const bad = await client.post('/login-model', { form: { username: 'ann', remember: '0' } });
    expect(bad.json().detail[0]).toMatchObject({ type: 'greater_than_equal', loc: ['body', 'remember'] });
  });
});

describe('uploads', () => {
  it('gives UploadFile with name, type, size and contents', async () => {
    const client = new TestClient(new App({ logger: false }).include(Forms));
    const res = await client.post('/upload', { multipart: multipart([['file', new Blob(['hello'], { type: 'text/plain' }), 'a.txt'], ['note', 'n']]) });
    expect(res.json()).toEqual({ field: 'file', filename: 'a.txt', type: 'text/plain', size: 5, text: 'hello', onDisk: false, note: 'n' });
    const many = await client.post('/many', { multipart: multipart([['files', new Blob(['1']), 'one'], ['files', new Blob(['22']), 'two']]) });
    expect(many.json()).toEqual([
      ['one', 1],
      ['two', 2],
    ]);
    expect((await client.post('/upload', { multipart: multipart([['note', 'n']]) })).json().detail).toEqual([
      { type: 'missing', loc: ['body', 'file'], msg: 'Field required', input: null },
    ]);
  });

  it('spools large files to disk and removes them after the background task read them', async () => {
    seen.length = 0;
    const app = new App({ logger: false, uploads: { spoolThreshold: 1024 } }).include(Forms);
    live = await LiveTestClient.start(app);
    const big = 'x'.repeat(64 * 1024);
    const res = await live.post('/later', { multipart: multipart([['file', new Blob([big]), 'big.bin']]) });
    expect(res.json()).toEqual({ accepted: 'big.bin' });
    expect(seen).toHaveLength(1);
    const [{ size, path, existed }] = seen as [{ size: number; path: string; existed: boolean }];
    expect(size).toBe(big.length);
    expect(existed).toBe(true);
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('answers 413 past the file size or file count limits, and removes what was received', async () => {
    const app = new App({ logger: false, uploads: { fileSize: 1000, files: 2, spoolThreshold: 100 } }).include(Forms);
    live = await LiveTestClient.start(app);
    const tooBig = await live.post('/upload', { multipart: multipart([['file', new Blob(['y'.repeat(5000)]), 'big']]) });
    expect(tooBig.status).toBe(413);
    expect(tooBig.json()).toEqual({ detail: 'upload exceeds the file size limit (1000)' });
    const tooMany = await live.post('/many', {
      multipart: multipart([
        ['files', new Blob(['1']), 'a'],
        ['files', new Blob(['2']), 'b'],
        ['files', new Blob(['3']), 'c'],
      ]),
    });
    expect(tooMany.status).toBe(413);
  });

  it('answers 400 for a malformed multipart body', async () => {
    const client = new TestClient(new App({ logger: false }).include(Forms));
    const res = await client.post('/upload', { body: 'garbage', headers: { 'content-type': 'multipart/form-data' } });
    expect(res.status).toBe(400);
    expect(res.json().detail).toMatch(/malformed form body/);
  });
});

