import { connect } from 'node:net';
import { IsString } from 'class-validator';
import { afterEach, describe, expect, it } from 'vitest';
import { App, Body, Controller, File, Form, Post, Request, UploadFile } from '@fastts/core';
import { memoryLogger, sleep } from './helpers.js';

// A client that goes away in the middle of its body is not a server error:
// FASTTS_ERR_REQUEST_ABORTED, logged at debug, never an `unhandled error` line.

class Named {
  @IsString()
  name!: string;
}

@Controller()
class Readers {
  @Post('/json')
  json(@Body() body: Named) {
    return body;
  }

  @Post('/raw')
  async raw(request: Request) {
    return { got: await request.json() };
  }

  @Post('/form')
  form(@Form('name') name: string) {
    return { name };
  }

  @Post('/upload')
  upload(@File('file') file: UploadFile) {
    return { name: file.filename };
  }
}

let app: App | undefined;
afterEach(async () => {
  await app?.close({ timeoutMs: 1000 });
  app = undefined;
});

const BOUNDARY = 'xBoundaryx';

/** Headers promising 100,000 bytes, part of the body, then the socket destroyed. */
async function abortMidBody(port: number, path: string, contentType: string, part: string): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(`POST ${path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: ${contentType}\r\ncontent-length: 100000\r\n\r\n${part}`);
  // Let the server start reading the body before the client goes away.
  await sleep(100);
  socket.destroy();
}

const cases: [string, string, string, string][] = [
  ['a JSON body parameter', '/json', 'application/json', `{"name":"${'a'.repeat(2000)}`],
  ['Request.json()', '/raw', 'application/json', `{"name":"${'a'.repeat(2000)}`],
  ['an urlencoded form', '/form', 'application/x-www-form-urlencoded', `name=${'a'.repeat(2000)}`],
  [
    'a multipart upload',
    '/upload',
    `multipart/form-data; boundary=${BOUNDARY}`,
    `--${BOUNDARY}\r\ncontent-disposition: form-data; name="file"; filename="a.bin"\r\ncontent-type: application/octet-stream\r\n\r\n${'a'.repeat(2000)}`,
  ],
];

describe('a client that aborts in the middle of its body', () => {
  it.each(cases)('reading %s is logged at debug with FASTTS_ERR_REQUEST_ABORTED, never at error', async (_name, path, contentType, part) => {
    const logger = memoryLogger();
    app = new App({ logger }).include(Readers);
    const { port } = await app.listen(0);
    for (let i = 0; i < 3; i++) await abortMidBody(port, path, contentType, part);
    const aborted = () => logger.entries.filter((e) => e.level === 'debug' && e.obj['code'] === 'FASTTS_ERR_REQUEST_ABORTED');
    for (let waited = 0; aborted().length < 3 && waited < 3000; waited += 20) await sleep(20);
    expect(logger.entries.filter((e) => e.level === 'error' || e.level === 'warn')).toEqual([]);
    expect(aborted()).toHaveLength(3);
    expect(aborted()[0]).toMatchObject({ obj: { method: 'POST', path } });
    // The server is still serving.
    const res = await fetch(`http://127.0.0.1:${port}/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' });
    expect(await res.json()).toEqual({ name: 'x' });
  });
});
