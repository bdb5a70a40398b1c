import { describe, expect, it } from 'vitest';
import { Client } from 'undici';
import {
  App,
  Controller,
  Get,
  HTTPException,
  Int,
  JSONResponse,
  PlainTextResponse,
  Query,
  RequestValidationError,
  Request,
} from '@fastts/core';
import { TestClient } from '@fastts/testing';
import { memoryLogger } from './helpers.js';

class TeapotError extends Error {}
class SmallTeapotError extends TeapotError {}

@Controller()
class Errors {
  @Get('/http')
  http() {
    throw new HTTPException(400, { code: 7 }, { 'x-e': '1' });
  }

  @Get('/default-detail')
  defaultDetail() {
    throw new HTTPException(403);
  }

  @Get('/teapot')
  teapot() {
    throw new SmallTeapotError('short and stout');
  }

  @Get('/crash')
  crash() {
    throw new TypeError('bug');
  }

  @Get('/throws-string')
  throwsString() {
    throw 'not an error';
  }

  @Get('/validated')
  validated(@Query('n', { type: Int }) n: number) {
    return { n };
  }
}

describe('errors', () => {
  it('answers HTTPException with its detail and headers (scenario 48)', async () => {
    const client = new TestClient(new App({ logger: false }).include(Errors), { raiseServerExceptions: false });
    const res = await client.get('/http');
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ detail: { code: 7 } });
    expect(res.headers['x-e']).toBe('1');
    expect((await client.get('/default-detail')).json()).toEqual({ detail: 'Forbidden' });
  });

  it('answers unhandled errors with a plain 500, logs them and keeps the connection open (scenario 49)', async () => {
    const logger = memoryLogger();
    const app = new App({ logger }).include(Errors);
    const { port } = await app.listen(0);
    const conn = new Client(`http://127.0.0.1:${port}`);
    let connects = 0;
    conn.on('connect', () => connects++);
    try {
      const res = await conn.request({ method: 'GET', path: '/crash' });
      expect(res.statusCode).toBe(500);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(await res.body.text()).toBe('Internal Server Error');
      const again = await conn.request({ method: 'GET', path: '/throws-string' });
      expect(again.statusCode).toBe(500);
      await again.body.text();
      expect(connects).toBe(1);
    } finally {
      await conn.close();
      await app.close();
    }
    const logged = logger.entries.filter((e) => e.msg === 'unhandled error');
    expect(logged.map((e) => e.obj['route'])).toEqual(['Errors.crash', 'Errors.throwsString']);
    expect((logged[0]!.obj['err'] as Error).message).toBe('bug');
  });

  it('uses the handler of the nearest registered class, or of a status', async () => {
    const app = new App({ logger: false })
      .include(Errors)
      .exceptionHandler(TeapotError, (_req: Request, err: TeapotError) => new JSONResponse({ teapot: err.message }, { status: 418 }))
      .exceptionHandler(404, (req: Request) => new PlainTextResponse(`no ${req.path}`, { status: 404 }))
      .exceptionHandler(RequestValidationError, (_req: Request, err: RequestValidationError) => ({ count: err.errors().length }))
      .exceptionHandler(Error, () => new PlainTextResponse('custom 500', { status: 500 }));
    // The handler for Error still ends in a server error, which the client would re-throw.
    const client = new TestClient(app, { raiseServerExceptions: false });
    const teapot = await client.get('/teapot');
    expect(teapot.status).toBe(418);
    expect(teapot.json()).toEqual({ teapot: 'short and stout' });
    expect((await client.get('/missing')).text).toBe('no /missing');
    const invalid = await client.get('/validated?n=x');
    expect(invalid.status).toBe(200);
    expect(invalid.json()).toEqual({ count: 1 });
    expect((await client.get('/crash')).text).toBe('custom 500');
    expect((await client.get('/http')).status).toBe(400);
  });

  it('answers 500 when an exception handler itself throws', async () => {
    const logger = memoryLogger();
    const app = new App({ logger }).include(Errors).exceptionHandler(TeapotError, () => {
      throw new Error('handler bug');
    });
    const res = await new TestClient(app, { raiseServerExceptions: false }).get('/teapot');
    expect(res.status).toBe(500);
    expect(logger.entries.some((e) => e.msg === 'exception handler failed')).toBe(true);
    await expect(new TestClient(app).get('/teapot')).rejects.toThrow('handler bug');
  });

  it('still answers 500 when the error response an exception handler returns cannot be written', async () => {
    const logger = memoryLogger();
    const app = new App({ logger })
      .include(Errors)
      // A header value node refuses to write (a line break): the handler's response fails too.
      .exceptionHandler(TeapotError, () => new PlainTextResponse('teapot', { status: 418, headers: { 'x-bad': 'a\nb' } }));
    const address = await app.listen(0);
    try {
      const client = new Client(`http://127.0.0.1:${address.port}`);
      const res = await client.request({ path: '/teapot', method: 'GET' });
      expect(res.statusCode).toBe(500);
      await res.body.text();
      // The connection still serves.
      const next = await client.request({ path: '/http', method: 'GET' });
      expect(next.statusCode).toBe(400);
      await next.body.text();
      await client.close();
    } finally {
      await app.close();
    }
    expect(logger.entries.some((e) => e.level === 'error')).toBe(true);
  });

  it('refuses a body over the limit with 413', async () => {
    @Controller()
    class Upload {
      @Get('/limit')
      limit(req: Request) {
        return req.body().then((b) => ({ size: b.length }));
      }
    }
    const client = new TestClient(new App({ logger: false, bodyLimit: 10 }).include(Upload));
    const res = await client.get('/limit', { body: 'x'.repeat(11) });
    expect(res.status).toBe(413);
    expect(res.json()).toEqual({ detail: 'request body larger than 10 bytes' });
    expect((await client.get('/limit', { body: 'x'.repeat(10) })).json()).toEqual({ size: 10 });
  });
});
