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

/**
 * A handler returned data that does not fit its route's `responseModel`. It is
 * a server bug, so the client gets a 500 and the issues go to the log.
 */
export class ResponseValidationError extends Error {
  readonly issues: ValidationIssue[];

  constructor(issues: ValidationIssue[]) {
    super(`response does not match its model: ${issues.map((i) => `${i.loc.join('.')}: ${i.msg}`).join('; ')}`);
    this.name = 'ResponseValidationError';
    this.issues = issues;
  }
}
