import { LiveTestClient } from '@fastts/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, events } from '../src/app.js';

const ada = { username: 'ada', email: 'ada@example.com' };

describe('json-response-background', () => {
  let client: LiveTestClient | undefined;

  beforeEach(() => {
    events.length = 0;
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  it('runs a hand-built BackgroundTasks after the response, in the order added', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }), { waitForTasks: false });
    const res = await client.post('/signup', { json: ada });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.json()).toEqual({ status: 'Signup successful' });

    await client.waitForTasks();
    expect(events).toEqual(['welcome e-mail to ada@example.com', 'admin notified of ada']);
  });

  it('runs a single BackgroundTask given to the response', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    const res = await client.post('/signup/quiet', { json: ada });
    expect(res.json()).toEqual({ status: 'Signup successful' });
    expect(events).toEqual(['welcome e-mail to ada@example.com']);
  });

  it("runs injected tasks and the response's own task, injected first", async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    const res = await client.post('/signup/audited', { json: ada });
    expect(res.status).toBe(201);
    expect(events).toEqual(['audit: signup of ada', 'welcome e-mail to ada@example.com']);
  });

  it('keeps each request to its own tasks', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    await client.post('/signup', { json: ada });
    await client.post('/signup/quiet', { json: { username: 'bob', email: 'bob@example.com' } });
    expect(events).toEqual(['welcome e-mail to ada@example.com', 'admin notified of ada', 'welcome e-mail to bob@example.com']);
  });

  it('answers 422 for a body without the e-mail, and runs nothing', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    const res = await client.post('/signup', { json: { username: 'ada' } });
    expect(res.status).toBe(422);
    expect(res.json()).toEqual({ detail: [{ type: 'missing', loc: ['body', 'email'], msg: 'Field required', input: { username: 'ada' } }] });
    expect(events).toEqual([]);
  });
});
