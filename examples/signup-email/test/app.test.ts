import { LiveTestClient } from '@fastts/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, outbox } from '../src/app.js';

describe('signup-email', () => {
  let client: LiveTestClient | undefined;

  beforeEach(() => {
    outbox.length = 0;
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  it('answers before the e-mail is sent, and sends it afterwards', async () => {
    client = await LiveTestClient.start(createApp({ logger: false, emailDelayMs: 200 }), { waitForTasks: false });
    const res = await client.post('/signup', { json: { email: 'ada@example.com', name: 'Ada' } });
    expect(res.status).toBe(201);
    expect(res.json()).toEqual({ email: 'ada@example.com', name: 'Ada', status: 'signed up; welcome e-mail on its way' });
    expect(outbox).toEqual([]);

    await client.waitForTasks();
    expect(outbox).toEqual([{ to: 'ada@example.com', subject: 'Welcome!', text: 'Hi Ada, thanks for signing up.' }]);
  });

  it('makes the name optional', async () => {
    client = await LiveTestClient.start(createApp({ logger: false, emailDelayMs: 0 }));
    const res = await client.post('/signup', { json: { email: 'grace@example.com' } });
    expect(res.json()).toMatchObject({ email: 'grace@example.com', name: null });
    expect(outbox.map((m) => m.text)).toEqual(['Hi there, thanks for signing up.']);
  });

  it('serves later requests on the same connection while earlier e-mails are still being sent', async () => {
    const delay = 200;
    client = await LiveTestClient.start(createApp({ logger: false, emailDelayMs: delay }), { waitForTasks: false });
    const started = Date.now();
    const emails = ['a', 'b', 'c', 'd', 'e'].map((n) => `${n}@example.com`);
    for (const email of emails) expect((await client.post('/signup', { json: { email } })).status).toBe(201);
    expect(outbox).toEqual([]);

    await client.waitForTasks();
    expect(outbox.map((m) => m.to).sort()).toEqual(emails);
    // The tasks of different requests overlap: one after another would take 5 × 200 ms.
    expect(Date.now() - started).toBeLessThan(4 * delay);
  });

  it('lets the e-mail finish when the server closes', async () => {
    client = await LiveTestClient.start(createApp({ logger: false, emailDelayMs: 100 }), { waitForTasks: false });
    await client.post('/signup', { json: { email: 'late@example.com' } });
    expect(outbox).toEqual([]);
    await client.close();
    client = undefined;
    expect(outbox.map((m) => m.to)).toEqual(['late@example.com']);
  });

  it('answers 422 for a missing or malformed e-mail, and sends nothing', async () => {
    client = await LiveTestClient.start(createApp({ logger: false, emailDelayMs: 0 }));
    const missing = await client.post('/signup', { json: { name: 'Ada' } });
    expect(missing.status).toBe(422);
    expect(missing.json()).toEqual({ detail: [{ type: 'missing', loc: ['body', 'email'], msg: 'Field required', input: { name: 'Ada' } }] });

    const malformed = await client.post('/signup', { json: { email: 'not-an-address' } });
    expect(malformed.status).toBe(422);
    expect(malformed.json().detail[0]).toMatchObject({ type: 'value_error', loc: ['body', 'email'], input: 'not-an-address' });

    const badName = await client.post('/signup', { json: { email: 'ada@example.com', name: 7 } });
    expect(badName.status).toBe(422);
    expect(badName.json()).toEqual({ detail: [{ type: 'string_type', loc: ['body', 'name'], msg: 'Input should be a valid string', input: 7 }] });
    expect(outbox).toEqual([]);
  });
});
