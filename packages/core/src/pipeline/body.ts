import { RequestValidationError } from '../errors/validation-error.js';
import type { Request } from '../http/request.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Reads the body for a route with body parameters. JSON is parsed only when
 * the content type says JSON (FastAPI's strict default); any other body fails
 * as "not an object", whatever the parameter's type. Malformed JSON
 * is a 422 `json_invalid` pointing at the character position.
 */
export async function readRequestBody(request: Request): Promise<unknown> {
  const raw = await request.body();
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  if (!JSON_TYPE.test(request.headers['content-type'] ?? '')) {
    throw new RequestValidationError(
      [{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: text }],
      text,
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const position = Number(/at position (\d+)/.exec(message)?.[1] ?? 0);
    throw new RequestValidationError(
      [{ type: 'json_invalid', loc: ['body', position], msg: 'JSON decode error', input: {}, ctx: { error: message } }],
      text,
    );
  }
}
