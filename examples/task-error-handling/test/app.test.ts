import type { Logger } from '@fastts/core';
import { BackgroundTaskError, LiveTestClient } from '@fastts/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, createApp, failures, outbox, SmtpError } from '../src/app.js';

describe('task-error-handling', () => {
  let client: LiveTestClient | undefined;

  beforeEach(() => {
    outbox.length = 0;
    auditLog.length = 0;
    failures.length = 0;
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  it('sends the e-mail and writes the audit entry when nothing fails', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    const res = await client.post('/send-email/ada@example.com');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ message: 'E-mail queued' });
    expect(outbox).toEqual([{ to: 'ada@example.com', subject: 'Welcome!' }]);
    expect(auditLog).toEqual(['welcome e-mail queued for ada@example.com']);
    expect((await client.get('/failures')).json()).toEqual([]);
  });

  it('answers 200, reports the failure with the task name, and still runs the next task', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }), { raiseTaskErrors: false });
    const res = await client.post('/send-email/nobody@invalid.example', { headers: { 'x-request-id': 'req-42' } });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ message: 'E-mail queued' });

    expect(outbox).toEqual([]);
    expect(auditLog).toEqual(['welcome e-mail queued for nobody@invalid.example']);
    const reported = (await client.get('/failures')).json();
    expect(reported).toEqual([
      { task: 'sendEmail', route: 'MailController.queueEmail', requestId: 'req-42', error: '550 mailbox unavailable: nobody@invalid.example' },
    ]);
    expect(client.taskFailures.map((f) => f.task)).toEqual(['sendEmail']);
    expect(client.taskFailures[0]!.error).toBeInstanceOf(SmtpError);
  });

  it('makes the default test client reject with BackgroundTaskError, carrying the 200 response', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    const error: unknown = await client.post('/send-email/nobody@invalid.example').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BackgroundTaskError);
    const { failures: taskFailures, response } = error as BackgroundTaskError;
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ message: 'E-mail queued' });
    expect(taskFailures).toHaveLength(1);
    expect(taskFailures[0]).toMatchObject({ task: 'sendEmail', route: 'MailController.queueEmail' });
    expect((taskFailures[0]!.error as SmtpError).code).toBe(550);
    expect(auditLog).toHaveLength(1);
  });

  it("keeps serving on the same connection after a task failed, and doesn't mix up requests", async () => {
    client = await LiveTestClient.start(createApp({ logger: false }), { raiseTaskErrors: false });
    await client.post('/send-email/a@invalid.example');
    await client.post('/send-email/b@example.com');
    await client.post('/send-email/c@invalid.example');
    expect(outbox.map((m) => m.to)).toEqual(['b@example.com']);
    expect(auditLog).toHaveLength(3);
    const reported: { error: string; requestId: string }[] = (await client.get('/failures')).json();
    expect(reported.map((f) => f.error)).toEqual(['550 mailbox unavailable: a@invalid.example', '550 mailbox unavailable: c@invalid.example']);
    expect(reported[0]!.requestId).not.toBe(reported[1]!.requestId);
  });

  it('logs the failure through the app logger before calling onTaskError', async () => {
    const errors: { obj: Record<string, unknown>; msg: string | undefined }[] = [];
    const logger: Logger = { error: (obj, msg) => void errors.push({ obj: obj as Record<string, unknown>, msg }), warn() {}, info() {}, debug() {} };
    client = await LiveTestClient.start(createApp({ logger }), { raiseTaskErrors: false });
    await client.post('/send-email/x@invalid.example', { headers: { 'x-request-id': 'req-7' } });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toBe('background task failed');
    expect(errors[0]!.obj).toMatchObject({ task: 'sendEmail', route: 'MailController.queueEmail', requestId: 'req-7' });
    expect(errors[0]!.obj['err']).toBeInstanceOf(SmtpError);
    expect(failures).toHaveLength(1);
  });
});
