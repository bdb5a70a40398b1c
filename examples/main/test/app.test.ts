import { LiveTestClient } from '@fastts/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, processedItems } from '../src/app.js';

describe('main', () => {
  let client: LiveTestClient | undefined;

  beforeEach(() => {
    processedItems.clear();
  });

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
});
