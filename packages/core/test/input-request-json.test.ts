import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { App, Body, Controller, Post, Request, RequestValidationError } from '@fastts/core';

// Request.json() reads the body a handler asked for itself: it must be parsed
// as a @Body parameter's is (secure-json-parse, the depth limit, the position
// of the error), and fail with the same 422 `json_invalid` issue.

@Controller()
class Echo {
  @Post('/raw')
  async raw(request: Request) {
    const body = (await request.json()) as Record<string, unknown>;
    return { keys: Object.keys(body), ownProto: Object.hasOwn(body, '__proto__') };
  }

  @Post('/param')
  param(@Body() body: Record<string, unknown>) {
    return { keys: Object.keys(body), ownProto: Object.hasOwn(body, '__proto__') };
  }
}

let app: App | undefined;
afterEach(async () => {
  await app?.close({ timeoutMs: 1000 });
  app = undefined;
});

async function post(path: string, body: string, options: ConstructorParameters<typeof App>[0] = {}) {
  app ??= new App({ logger: false, ...options }).include(Echo);
  const { port } = await app.listen(0);
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, body: (await res.json()) as unknown };
}

describe('Request.json() parses as a body parameter does', () => {
  it('drops __proto__ keys', async () => {
    const raw = await post('/raw', '{"__proto__":{"polluted":1},"a":1}');
    expect(raw).toEqual({ status: 200, body: { keys: ['a'], ownProto: false } });
  });

  it('answers malformed JSON with the same 422 json_invalid as a body parameter', async () => {
    const raw = await post('/raw', '{bad');
    await app!.close();
    app = undefined;
    const param = await post('/param', '{bad');
    expect(raw.status).toBe(422);
    expect(raw.body).toEqual(param.body);
    expect(raw.body).toEqual({ detail: [{ type: 'json_invalid', loc: ['body', 1], msg: 'JSON decode error', input: {}, ctx: { error: expect.any(String) } }] });
  });

  it('refuses JSON nested deeper than the depth limit, at the position where it passes it', async () => {
    const deep = `${'['.repeat(200)}${']'.repeat(200)}`;
    const raw = await post('/raw', deep);
    expect(raw.status).toBe(422);
    expect(raw.body).toEqual({ detail: [{ type: 'json_invalid', loc: ['body', 128], msg: 'JSON decode error', input: {}, ctx: { error: 'nesting deeper than 128 levels' } }] });
  });

  it("uses the app's jsonDepthLimit, as body parameters do", async () => {
    const raw = await post('/raw', '[[[[1]]]]', { jsonDepthLimit: 3 });
    expect(raw.status).toBe(422);
    expect(raw.body).toMatchObject({ detail: [{ type: 'json_invalid', loc: ['body', 3], ctx: { error: 'nesting deeper than 3 levels' } }] });
  });

  it('answers an empty body with json_invalid at position 0', async () => {
    const raw = await post('/raw', '');
    expect(raw.status).toBe(422);
    expect(raw.body).toMatchObject({ detail: [{ type: 'json_invalid', loc: ['body', 0] }] });
  });

  it('takes the depth limit it is given', async () => {
    const socket = new Socket();
    const message = new IncomingMessage(socket);
    message.headers = { 'content-type': 'application/json', 'content-length': '7' };
    const request = new Request(message, undefined, undefined, 1024, 2);
    const parsed = request.json();
    message.push('[[[1]]]');
    message.push(null);
    const error = await parsed.catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues).toEqual([
      { type: 'json_invalid', loc: ['body', 2], msg: 'JSON decode error', input: {}, ctx: { error: 'nesting deeper than 2 levels' } },
    ]);
    socket.destroy();
  });
});
