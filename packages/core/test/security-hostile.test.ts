import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { App, Controller, Depends, Get } from '@fastts/core';
import { HTTPBasic, HTTPBearer, OAuth2PasswordBearer, type HTTPAuthorizationCredentials, type HTTPBasicCredentials } from '@fastts/core/security';

// Hostile credentials over a raw socket, so the bytes are exactly what the
// test writes (fetch would refuse or normalise most of them). Each one gets a
// clean 4xx, never a 500, and the server goes on serving.

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const bearer = HTTPBearer();
const basic = HTTPBasic();
const oauth2 = OAuth2PasswordBearer({ tokenUrl: 'token' });

@Controller()
class Api {
  @Get('/bearer')
  bearer(@Depends(bearer) credentials: HTTPAuthorizationCredentials) {
    return credentials;
  }

  @Get('/basic')
  basic(@Depends(basic) credentials: HTTPBasicCredentials) {
    return credentials;
  }

  @Get('/oauth2')
  oauth2(@Depends(oauth2) token: string) {
    return { token };
  }
}

async function start(): Promise<number> {
  app = new App({ logger: false }).include(Api);
  return (await app.listen(0, '127.0.0.1')).port;
}

/** Writes `head` (lines without the final blank line) and reads the whole answer; the server closes after it. */
function raw(port: number, lines: (string | Buffer)[]): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    // Node may reset the connection after a 431 while the rest of the request is unread; the answer came first.
    socket.on('error', (error) => chunks.length === 0 && reject(error));
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), headers: head.toLowerCase(), body });
    });
    const CRLF = Buffer.from('\r\n');
    socket.end(Buffer.concat([...lines.flatMap((l) => [typeof l === 'string' ? Buffer.from(l, 'latin1') : l, CRLF]), CRLF]));
  });
}

const request = (path: string, ...headers: (string | Buffer)[]) => [`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...headers];

describe('hostile credentials', () => {
  it('reads the first of repeated Authorization headers, as node keeps it and Starlette reads it', async () => {
    const port = await start();
    const first = await raw(port, request('/bearer', 'Authorization: Bearer first', 'Authorization: Bearer second'));
    expect(first).toMatchObject({ status: 200 });
    expect(JSON.parse(first.body)).toEqual({ scheme: 'Bearer', credentials: 'first' });
    // The second, valid for this route, is not looked at: the first decides.
    const mixed = await raw(port, request('/bearer', 'Authorization: Basic YTpi', 'Authorization: Bearer second'));
    expect(mixed.status).toBe(401);
    expect(mixed.headers).toContain('www-authenticate: bearer');
  });

  it('accepts the scheme in any case and refuses an empty token with 401', async () => {
    const port = await start();
    expect(await raw(port, request('/bearer', 'Authorization: bEARER tok'))).toMatchObject({ status: 200 });
    expect(await raw(port, request('/oauth2', 'Authorization: bearer tok'))).toMatchObject({ status: 200, body: '{"token":"tok"}' });
    for (const path of ['/bearer', '/oauth2']) {
      for (const header of ['Authorization: Bearer ', 'Authorization: Bearer', 'Authorization:', 'Authorization: Bearer \t ']) {
        const answer = await raw(port, request(path, header));
        expect(answer.status, `${path} ${JSON.stringify(header)}`).toBe(401);
        expect(JSON.parse(answer.body)).toEqual({ detail: 'Not authenticated' });
      }
    }
  });

  it('answers 401 to Basic credentials whose bytes are not UTF-8, encoded or raw', async () => {
    const port = await start();
    const latin1 = Buffer.from('ad\xe9:p\xe4ss', 'latin1').toString('base64');
    expect(await raw(port, request('/basic', `Authorization: Basic ${latin1}`))).toMatchObject({ status: 401 });
    const rawBytes = Buffer.concat([Buffer.from('Authorization: Basic '), Buffer.from([0xff, 0xfe, 0x3a, 0x80])]);
    expect(await raw(port, request('/basic', rawBytes))).toMatchObject({ status: 401 });
    // A bearer token is opaque: bytes node reads as latin1 are handed on, for the app's check to refuse.
    const rawBearer = Buffer.concat([Buffer.from('Authorization: Bearer '), Buffer.from([0xff, 0xfe])]);
    const answer = await raw(port, request('/bearer', rawBearer));
    expect(answer.status).toBe(200);
    expect(JSON.parse(Buffer.from(answer.body, 'latin1').toString('utf8'))).toEqual({ scheme: 'Bearer', credentials: 'ÿþ' });
  });

  it('leaves a control character in the header to node: 400 before any route runs', async () => {
    const port = await start();
    expect(await raw(port, request('/bearer', 'Authorization: Bearer a\x00b'))).toMatchObject({ status: 400 });
    expect(await raw(port, request('/bearer', 'Authorization: Bearer ok'))).toMatchObject({ status: 200 });
  });

  it("answers a 100 KiB token with node's 431 and goes on serving", async () => {
    const port = await start();
    const huge = await raw(port, request('/bearer', `Authorization: Bearer ${'x'.repeat(100 * 1024)}`));
    expect(huge.status).toBe(431);
    const after = await raw(port, request('/bearer', 'Authorization: Bearer ok'));
    expect(after).toMatchObject({ status: 200 });
    expect(JSON.parse(after.body)).toEqual({ scheme: 'Bearer', credentials: 'ok' });
  });
});
