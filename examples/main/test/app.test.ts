import { LiveTestClient } from '@fastts/testing';
import type { Logger } from '@fastts/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';

describe('main', () => {
  let client: LiveTestClient | undefined;

  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  it('welcomes with links', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    const res = await client.get('/');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({
      message: 'Welcome to fastts',
      links: {
        item: '/items/1',
        item_with_query: '/items/1?q=hello',
        process_item: { method: 'POST', href: '/items/1/process' },
        docs: '/docs',
        openapi: '/openapi.json',
      },
    });
  });

  it('reads an item with and without q', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    expect((await client.get('/items/5', { query: { q: 'somequery' } })).json()).toEqual({ item_id: 5, q: 'somequery', processed: false });
    expect((await client.get('/items/5')).text).toBe('{"item_id":5,"q":null,"processed":false}');
  });

  it('answers 422 for a non-integer id', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    const res = await client.get('/items/foo');
    expect(res.status).toBe(422);
    expect(res.json()).toEqual({
      detail: [{ type: 'int_parsing', loc: ['path', 'item_id'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'foo' }],
    });
  });

  it('processes an item after answering 202', async () => {
    client = await LiveTestClient.start(createApp({ logger: false, processDelayMs: 100 }), { waitForTasks: false });
    const res = await client.post('/items/3/process');
    expect(res.status).toBe(202);
    expect(res.json()).toEqual({ item_id: 3, status: 'processing' });
    expect((await client.get('/items/3')).json()).toMatchObject({ processed: false });

    await client.waitForTasks();
    expect((await client.get('/items/3')).json()).toMatchObject({ processed: true });
  });

  it('redirects a trailing slash and answers 404 for unknown paths', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    const redirect = await client.get('/items/3/');
    expect(redirect.status).toBe(307);
    expect(redirect.headers['location']).toMatch(/\/items\/3$/);
    const missing = await client.get('/nope');
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ detail: 'Not Found' });
  });

  it('lets the front-end origin call it with credentials, and no other', async () => {
    client = await LiveTestClient.start(createApp({ logger: false, corsOrigins: ['https://app.example.com'] }));
    const preflight = await client.options('/items/3/process', {
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers).toMatchObject({ 'access-control-allow-origin': 'https://app.example.com', 'access-control-allow-credentials': 'true' });
    const read = await client.get('/items/3', { headers: { origin: 'https://app.example.com' } });
    expect(read.headers['access-control-allow-origin']).toBe('https://app.example.com');
    // A 422 carries them too, so the page can read the error.
    expect((await client.get('/items/x', { headers: { origin: 'https://app.example.com' } })).headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect((await client.get('/items/3', { headers: { origin: 'https://evil.example' } })).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('opens the item store before the first request and closes it after the background tasks', async () => {
    const lines: string[] = [];
    const logger: Logger = { error() {}, warn() {}, debug() {}, info: (obj, msg) => void lines.push(`${msg} ${JSON.stringify(obj)}`) };
    const app = createApp({ logger, processDelayMs: 20 });
    client = await LiveTestClient.start(app);
    expect(lines).toContain('item store opened {}');
    expect(app.state.items?.processedCount).toBe(0);
    await client.post('/items/1/process');
    await client.post('/items/2/process');
    await client.close();
    client = undefined;
    expect(lines.filter((line) => line.startsWith('item store'))).toEqual(['item store opened {}', 'item store closed {"processed":2}']);
  });
});
