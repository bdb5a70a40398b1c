import { LiveTestClient } from '@fastts/testing';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { createApp, getProcessingLog, processingLog, ProcessingLog } from '../src/app.js';

/** A log whose writes wait until the test opens the gate. */
class GatedLog extends ProcessingLog {
  readonly started: string[] = [];
  #open!: () => void;
  readonly #gate = new Promise<void>((resolve) => (this.#open = resolve));

  override async record(entry: string): Promise<void> {
    this.started.push(entry);
    await this.#gate;
    await super.record(entry);
  }

  open(): void {
    this.#open();
  }
}

describe('process-items', () => {
  let client: LiveTestClient | undefined;

  beforeEach(() => {
    processingLog.entries.length = 0;
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  it('answers 202 and runs validate, then store, after the response', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    const res = await client.post('/items/1/process');
    expect(res.status).toBe(202);
    expect(res.json()).toEqual({ item_id: 1, status: 'processing' });
    expect(processingLog.entries).toEqual(['validate item 1', 'store item 1']);
  });

  it('sends the response while the first task is still blocked, then runs both in order', async () => {
    const app = createApp({ logger: false });
    const log = new GatedLog();
    onTestFinished(() => log.open()); // else close() would wait for the blocked task
    app.dependencyOverrides.set(getProcessingLog, () => log);
    client = await LiveTestClient.start(app, { waitForTasks: false });

    const res = await client.post('/items/7/process');
    expect(res.status).toBe(202);
    expect(res.json()).toEqual({ item_id: 7, status: 'processing' });
    // The response is complete while validate is waiting and store has not started.
    expect(log.entries).toEqual([]);
    expect(log.started).not.toContain('store item 7');

    log.open();
    await client.waitForTasks();
    expect(log.started).toEqual(['validate item 7', 'store item 7']);
    expect(log.entries).toEqual(['validate item 7', 'store item 7']);
  });

  it('keeps the order within each request across several requests', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    await client.post('/items/1/process');
    await client.post('/items/2/process');
    expect(processingLog.entries).toEqual(['validate item 1', 'store item 1', 'validate item 2', 'store item 2']);
  });

  it('answers 422 in FastAPI shape for a non-integer id, and runs no task', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    const res = await client.post('/items/abc/process');
    expect(res.status).toBe(422);
    expect(res.json()).toEqual({
      detail: [
        {
          type: 'int_parsing',
          loc: ['path', 'item_id'],
          msg: 'Input should be a valid integer, unable to parse string as an integer',
          input: 'abc',
        },
      ],
    });
    expect(processingLog.entries).toEqual([]);
  });

  it('rejects a fractional id as well', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    const res = await client.post('/items/1.5/process');
    expect(res.status).toBe(422);
    expect(res.json().detail[0]).toMatchObject({ type: 'int_parsing', loc: ['path', 'item_id'], input: '1.5' });
  });
});
