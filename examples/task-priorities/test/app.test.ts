import { LiveTestClient } from '@fastts/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';

describe('task-priorities', () => {
  let client: LiveTestClient | undefined;

  beforeEach(() => {
    process.env['SEND_MS'] = '30';
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
    delete process.env['SEND_MS'];
  });

  it('sends a password reset before the newsletter backlog queued ahead of it', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }), { waitForTasks: false });
    const subscribers = ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com'];
    const queued = await client.post('/newsletter', { json: subscribers });
    expect(queued.status).toBe(202);
    expect(queued.json()).toEqual({ queued: 4 });
    // The first newsletter is being sent; three wait in the mail queue.
    const reset = await client.post('/password-reset/ada@example.com');
    expect(reset.status).toBe(202);

    await client.waitForTasks();
    expect((await client.get('/outbox')).json()).toEqual([
      'newsletter to a@example.com',
      'password reset to ada@example.com',
      'newsletter to b@example.com',
      'newsletter to c@example.com',
      'newsletter to d@example.com',
    ]);
  });

  it('sends one e-mail at a time (the mail queue has concurrency 1)', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    const started = Date.now();
    await client.post('/newsletter', { json: ['a@example.com', 'b@example.com', 'c@example.com'] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 30 - 1);
    expect((await client.get('/tasks', { query: { name: 'newsletter' } })).json().counts).toMatchObject({ succeeded: 3 });
  });
});
