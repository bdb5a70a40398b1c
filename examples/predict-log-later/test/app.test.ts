import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveTestClient } from '@fastts/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type PredictionRecord } from '../src/app.js';

describe('predict-log-later', () => {
  let dir: string;
  let file: string;
  let client: LiveTestClient | undefined;

  const records = async (): Promise<PredictionRecord[]> => {
    const text = await readFile(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    return text.trimEnd().split('\n').map((line) => JSON.parse(line) as PredictionRecord);
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'predict-log-later-'));
    file = join(dir, 'predictions.jsonl');
    process.env['PREDICTIONS_FILE'] = file;
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
    delete process.env['PREDICTIONS_FILE'];
    await rm(dir, { recursive: true, force: true });
  });

  it('returns the prediction, then logs it as one JSON line', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }), { waitForTasks: false });
    const res = await client.post('/predict_log_later', { json: { text: 'I love this, it is great' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.json()).toEqual({ label: 'positive', score: 2 });

    await client.waitForTasks();
    const [record, ...rest] = await records();
    expect(rest).toEqual([]);
    expect(record).toMatchObject({ input: { text: 'I love this, it is great' }, prediction: { label: 'positive', score: 2 } });
    expect(Number.isNaN(Date.parse(record!.logged_at))).toBe(false);
  });

  it('appends one parseable line per request, in order', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    const texts = ['good', 'terrible and sad', 'just a table', 'a "quoted"\nline'];
    const predictions = [];
    for (const text of texts) predictions.push((await client.post('/predict_log_later', { json: { text } })).json());

    expect(predictions.map((p) => p.label)).toEqual(['positive', 'negative', 'neutral', 'neutral']);
    const logged = await records();
    expect(logged.map((r) => r.input.text)).toEqual(texts);
    expect(logged.map((r) => r.prediction)).toEqual(predictions);
  });

  it('logs only the fields it read, not the rest of the body', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    await client.post('/predict_log_later', { json: { text: 'nice', secret: 'do not log me' } });
    expect((await records())[0]!.input).toEqual({ text: 'nice' });
  });

  it.each([
    ['no text', { txt: 'x' }, { type: 'missing', loc: ['body', 'text'], msg: 'Field required', input: { txt: 'x' } }],
    ['a non-string text', { text: 42 }, { type: 'string_type', loc: ['body', 'text'], msg: 'Input should be a valid string', input: 42 }],
    [
      'a list body',
      ['good'],
      { type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: ['good'] },
    ],
  ])('answers 422 for %s and logs nothing', async (_, json, issue) => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    const res = await client.post('/predict_log_later', { json });
    expect(res.status).toBe(422);
    expect(res.json()).toEqual({ detail: [issue] });
    await expect(readFile(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('answers 422 `missing` for an empty body', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    const res = await client.post('/predict_log_later');
    expect(res.status).toBe(422);
    expect(res.json()).toEqual({ detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }] });
  });

  it('answers 422 `json_invalid` for malformed JSON', async () => {
    client = await LiveTestClient.start(createApp({ logger: false }));
    // An unquoted key: the position is the character where parsing failed, as in FastAPI.
    const res = await client.post('/predict_log_later', { body: '{text: "good"}', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(422);
    expect(res.json().detail[0]).toMatchObject({ type: 'json_invalid', loc: ['body', 1], msg: 'JSON decode error' });
    await expect(readFile(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
