import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackgroundTasks, Controller, Depends, Get } from '@fastts/core';
import { LiveTestClient } from '@fastts/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, getQuery, NotificationService } from '../src/app.js';

/** Asks for the request's BackgroundTasks three ways and says whether they are one object. */
const seen: BackgroundTasks[] = [];
const recordTasks = (tasks: BackgroundTasks) => seen.push(tasks);

@Controller('/probe')
class ProbeController {
  @Get('')
  probe(tasks: BackgroundTasks, @Depends(NotificationService) service: NotificationService, @Depends(getQuery) _q: string | undefined) {
    recordTasks(tasks);
    recordTasks(service.tasks);
    return { same: tasks === service.tasks, size: tasks.size };
  }
}

describe('notification-service', () => {
  let dir: string;
  let client: LiveTestClient | undefined;
  const log = () => readFile(join(dir, 'log.txt'), 'utf8');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'notification-service-'));
    process.env['LOG_FILE'] = join(dir, 'log.txt');
    seen.length = 0;
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
    delete process.env['LOG_FILE'];
    await rm(dir, { recursive: true, force: true });
  });

  it("writes the dependency's task before the endpoint's (FastAPI's test for tutorial 002)", async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    const res = await client.post('/send-notification/foo@example.com', { query: { q: 'some-query' } });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ message: 'Message sent' });
    expect(await log()).toBe('found query: some-query\nmessage to foo@example.com\n');
  });

  it('adds only the endpoint task without q, or with an empty q', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    await client.post('/send-notification/a@example.com');
    await client.post('/send-notification/b@example.com?q=');
    expect(await log()).toBe('message to a@example.com\nmessage to b@example.com\n');
  });

  it("runs the class service's task after the dependency's task", async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    const res = await client.post('/notify/foo@example.com', { query: { q: 'urgent' } });
    expect(res.json()).toEqual({ message: 'Notification queued' });
    expect(await log()).toBe('found query: urgent\nnotification for foo@example.com: some notification\n');
  });

  it('hands the endpoint, the function dependency and the class dependency one BackgroundTasks per request', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }).include(ProbeController));
    const first = await client.get('/probe', { query: { q: 'x' } });
    // getQuery added its task to that same instance before the endpoint ran.
    expect(first.json()).toEqual({ same: true, size: 1 });
    await client.get('/probe');
    expect(seen).toHaveLength(4);
    expect(seen[0]).toBe(seen[1]);
    expect(seen[2]).toBe(seen[3]);
    expect(seen[0]).not.toBe(seen[2]);
    expect(await log()).toBe('found query: x\n');
  });
});
