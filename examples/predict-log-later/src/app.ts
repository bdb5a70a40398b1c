import { appendFile } from 'node:fs/promises';
import { App, BackgroundTasks, Body, Controller, Post, RequestValidationError, type AppOptions, type ValidationIssue } from '@fastts/core';

export interface PredictionInput {
  text: string;
}

export interface Prediction {
  label: 'positive' | 'negative' | 'neutral';
  score: number;
}

/** One line of the JSON Lines file. */
export interface PredictionRecord {
  input: PredictionInput;
  prediction: Prediction;
  logged_at: string;
}

/** Where `logPrediction` appends; PREDICTIONS_FILE overrides it. Read at call time. */
export const predictionsFile = () => process.env['PREDICTIONS_FILE'] ?? 'predictions.jsonl';

const POSITIVE = new Set(['good', 'great', 'love', 'excellent', 'happy', 'nice']);
const NEGATIVE = new Set(['bad', 'awful', 'hate', 'terrible', 'sad', 'poor']);

/** A stand-in for a real model: counts positive and negative words. */
export function predict(input: PredictionInput): Prediction {
  let score = 0;
  for (const word of input.text.toLowerCase().match(/[a-z]+/g) ?? []) {
    if (POSITIVE.has(word)) score++;
    else if (NEGATIVE.has(word)) score--;
  }
  return { label: score > 0 ? 'positive' : score < 0 ? 'negative' : 'neutral', score };
}

export async function logPrediction(input: PredictionInput, prediction: Prediction): Promise<void> {
  const record: PredictionRecord = { input, prediction, logged_at: new Date().toISOString() };
  // One write per line: appends of a line this size do not interleave between requests.
  await appendFile(predictionsFile(), `${JSON.stringify(record)}\n`);
}

/**
 * The body is declared as a plain object type, which fastts hands over as
 * parsed JSON; its fields are checked here and reported in FastAPI's 422 shape.
 */
export function parseInput(body: unknown): PredictionInput {
  const issues: ValidationIssue[] = [];
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    issues.push({ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: body });
  } else {
    const text = (body as Record<string, unknown>)['text'];
    if (text === undefined) issues.push({ type: 'missing', loc: ['body', 'text'], msg: 'Field required', input: body });
    else if (typeof text !== 'string') issues.push({ type: 'string_type', loc: ['body', 'text'], msg: 'Input should be a valid string', input: text });
    else return { text };
  }
  throw new RequestValidationError(issues, body);
}

@Controller()
export class PredictionController {
  @Post('/predict_log_later')
  predictLogLater(@Body() body: PredictionInput, tasks: BackgroundTasks): Prediction {
    const input = parseInput(body);
    const prediction = predict(input);
    tasks.addTask(logPrediction, input, prediction);
    return prediction;
  }
}

export function createApp(options: AppOptions = {}): App {
  return new App(options).include(PredictionController);
}
