/** One entry of a 422 response, in FastAPI's (pydantic's) shape. */
export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

/**
 * Raised when request data does not fit the declared parameters; carries every
 * issue found, not only the first. The default handler answers 422
 * `{"detail": issues}`; register a handler for this class to change that.
 */
export class RequestValidationError extends Error {
  readonly issues: ValidationIssue[];
  readonly body: unknown;

  constructor(issues: ValidationIssue[], body?: unknown) {
    super(`${issues.length} validation error(s)`);
    this.name = 'RequestValidationError';
    this.issues = issues;
    this.body = body;
  }

  /** FastAPI's spelling. */
  errors(): ValidationIssue[] {
    return this.issues;
  }
}
