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
    process.env['SEND_MS'] = '100';
    client = await LiveTestClient.start(createApp({ logger: false }), { waitForTasks: false });
    const subscribers = ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com'];
    const queued = await client.post('/newsletter', { json: subscribers });
    expect(queued.status).toBe(202);
    expect(queued.json()).toEqual({ queued: 4 });
    // The first newsletter is being sent; the others wait in the mail queue.
    const reset = await client.post('/password-reset/ada@example.com');
    expect(reset.status).toBe(202);

    await client.waitForTasks();
    const outbox: string[] = (await client.get('/outbox')).json();
    expect(outbox[0]).toBe('newsletter to a@example.com');
    expect(outbox).toHaveLength(5);
    // Every newsletter still waiting when the reset arrived went out after it.
    const { items } = (await client.get('/tasks')).json() as { items: { name: string; createdAt: string; startedAt: string }[] };
    const passwordReset = items.find((task) => task.name === 'password-reset')!;
    const overtaken = items.filter((task) => task.name === 'newsletter' && task.startedAt > passwordReset.createdAt);
    expect(overtaken.length).toBeGreaterThanOrEqual(2);
    for (const newsletter of overtaken) expect(newsletter.startedAt > passwordReset.startedAt).toBe(true);
  });

  it('sends one e-mail at a time (the mail queue has concurrency 1)', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    const started = Date.now();
    await client.post('/newsletter', { json: ['a@example.com', 'b@example.com', 'c@example.com'] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 30 - 1);
    expect((await client.get('/tasks', { query: { name: 'newsletter' } })).json().counts).toMatchObject({ succeeded: 3 });
  });
});
