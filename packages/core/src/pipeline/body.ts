import type SecureJson from 'secure-json-parse';
import { RequestValidationError } from '../errors/validation-error.js';
import type { Request } from '../http/request.js';
import { requireCjs } from '../internal/lazy.js';
import { jsonErrorPosition } from './json-error.js';

const secureJson = requireCjs('secure-json-parse') as typeof SecureJson;

export interface JsonBodyOptions {
  /** Parse JSON only when the content type says so (FastAPI's default). */
  strictContentType: boolean;
  /** Deepest nesting of arrays and objects accepted. */
  depthLimit: number;
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The deepest nesting accepted when the app does not say (`jsonDepthLimit`). */
export const DEFAULT_JSON_DEPTH = 128;

/**
 * Parses the body read for a route with JSON body parameters. JSON is parsed only
 * when the content type says JSON (FastAPI's strict default); any other body
 * fails as "not an object", whatever the parameter's type. The JSON itself is
 * parsed by parseJson, as `Request.json()` parses it.
 */
export function parseJsonBody(raw: Buffer, request: Request, options: JsonBodyOptions): unknown {
  if (raw.length === 0) return undefined;
  const contentType = request.headers['content-type'];
  if (contentType === undefined ? options.strictContentType : !JSON_TYPE.test(contentType)) {
    const input = raw.toString('utf8');
    throw new RequestValidationError(
      [{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input }],
      input,
    );
  }
  return parseJson(raw, options.depthLimit);
}

/**
 * The one JSON parser for request bodies, for body parameters and for
 * `Request.json()` alike. Bytes that are not UTF-8, malformed JSON (an empty
 * body included) and JSON nested deeper than `depthLimit` are 422
 * `json_invalid` at the position of the fault. `__proto__` and
 * `constructor.prototype` keys are dropped while parsing (secure-json-parse),
 * so they can never reach a prototype.
 */
export function parseJson(raw: Buffer, depthLimit: number): unknown {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw jsonInvalid(0, 'invalid UTF-8 in the request body', undefined);
  }
  const tooDeep = depthExceeded(text, depthLimit);
  if (tooDeep >= 0) throw jsonInvalid(tooDeep, `nesting deeper than ${depthLimit} levels`, text);
  try {
    return secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' });
  } catch (err) {
    throw jsonInvalid(jsonErrorPosition(text), (err as Error).message, text);
  }
}

function jsonInvalid(position: number, error: string, body: unknown): RequestValidationError {
  return new RequestValidationError([{ type: 'json_invalid', loc: ['body', position], msg: 'JSON decode error', input: {}, ctx: { error } }], body);
}

/** The position where nesting passes `limit`, or -1. Text shorter than the limit cannot, so it is not scanned. */
function depthExceeded(text: string, limit: number): number {
  if (text.length <= limit) return -1;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > limit) return i;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return -1;
}
