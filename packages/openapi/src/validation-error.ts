import type { JsonSchema } from './json-schema.js';

/**
 * The body of fastts's validation error response, `{"detail": [...]}`, as
 * FastAPI (0.12x) defines its `ValidationError` and `HTTPValidationError`
 * components: every issue has `loc`, `msg` and `type`, plus the `input` and,
 * for constraint errors, the `ctx` that pydantic v2 reports.
 */
export const validationErrorSchema: JsonSchema = {
  type: 'object',
  properties: {
    loc: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] }, title: 'Location' },
    msg: { type: 'string', title: 'Message' },
    type: { type: 'string', title: 'Error Type' },
    input: { title: 'Input' },
    ctx: { type: 'object', title: 'Context' },
  },
  required: ['loc', 'msg', 'type'],
  title: 'ValidationError',
};

export const httpValidationErrorSchema: JsonSchema = {
  type: 'object',
  properties: {
    detail: { type: 'array', items: { $ref: '#/components/schemas/ValidationError' }, title: 'Detail' },
  },
  title: 'HTTPValidationError',
};
