import { format } from 'node:util';

/**
 * Every error fastts itself raises has a code, a message template and, where it
 * reaches a client, a status. docs/errors.md lists the same table.
 */
export const errorCodes = {
  FASTTS_ERR_NO_DESIGN_TYPES: [
    "%s has parameters but no 'design:paramtypes' metadata: compile with experimentalDecorators and emitDecoratorMetadata (vitest needs the SWC plugin); a class dependency whose constructor has no decorated parameter needs @Injectable()",
    500,
  ],
  FASTTS_ERR_PARAM_UNDECLARED: [
    '%s: parameter #%d has no decorator and its type (%s) is not injectable (Request, Response, BackgroundTasks); declare it with @Path, @Query, @Header, @Cookie, @Body, @Form, @File or @Depends',
    500,
  ],
  FASTTS_ERR_PARAM_TYPE_AMBIGUOUS: [
    "%s: parameter '%s' has design type %s (a union such as `number | null`, or no type); say which with { type: String | Number | Int | Boolean | [T] }",
    500,
  ],
  FASTTS_ERR_PARAM_GROUP: [
    "%s: @%s() without a name reads a whole source into a model class, but the parameter's type is %s",
    500,
  ],
  FASTTS_ERR_PARAM_MODEL_NAMED: [
    "%s: parameter '%s' has the model type %s; a model reads a whole source, so drop the name (@Query(), @Header(), @Cookie(), @Form())",
    500,
  ],
  FASTTS_ERR_MODEL_EMPTY: [
    '%s is used as a model but declares no fields: decorate its properties with class-validator decorators (or @Expose())',
    500,
  ],
  FASTTS_ERR_PATH_PARAM_UNKNOWN: ["%s: @Path('%s') does not name a parameter of the route template '%s'", 500],
  FASTTS_ERR_ROUTE_TEMPLATE: ["invalid route template '%s': %s", 500],
  FASTTS_ERR_NOT_A_CONTROLLER: ['%s is not decorated with @Controller', 500],
  FASTTS_ERR_DEPENDENCY_PARAMS: [
    "dependency '%s' takes %d parameter(s) but does not declare them: wrap it with dependency([...], fn) or make it a class",
    500,
  ],
  FASTTS_ERR_DEPENDENCY_CYCLE: ["dependency cycle: %s", 500],
  FASTTS_ERR_DEPENDENCY_NOT_CALLABLE: ['Depends() needs a function or a class, got %s', 500],
  FASTTS_ERR_CLEANUP_SWALLOWED: [
    "dependency '%s' caught an error in its cleanup and did not rethrow it; the request ends in 500",
    500,
  ],
  FASTTS_ERR_CLEANUP_YIELDED_TWICE: ["dependency '%s' yielded more than once", 500],
  FASTTS_ERR_CLEANUP_NO_YIELD: ["dependency '%s' returned without yielding a value", 500],
  FASTTS_ERR_SCOPE_REQUEST_DATA: [
    "dependency '%s' reads request data (a parameter, Request or Response), which a scope outside a request does not have",
    500,
  ],
  FASTTS_ERR_ALREADY_LISTENING: ['the app is already listening', 500],
  FASTTS_ERR_BODY_TOO_LARGE: ['request body larger than %d bytes', 413],
  FASTTS_ERR_UPLOAD_LIMIT: ['upload exceeds the %s limit (%d)', 413],
  FASTTS_ERR_MULTIPART: ['malformed form body: %s', 400],
  FASTTS_ERR_BODY_MIXED: ['%s: a route reads either a JSON body (@Body) or a form (@Form, @File), not both', 500],
  FASTTS_ERR_FILE_TYPE: ['%s: @File() parameter %s must be typed UploadFile or [UploadFile], got %s', 500],
  FASTTS_ERR_REQUEST_ABORTED: ['the client closed the connection before sending the whole body', 400],
  FASTTS_ERR_THROWN_VALUE: ['%s was thrown, which fastts cannot inspect safely; it is reported as this error instead', 500],
  FASTTS_ERR_CONTROLLER_CONSTRUCTOR: [
    "%s's constructor takes %d parameter(s), and fastts does not construct services: include an instance (app.include(new %s(...))), or declare what a route needs as a handler parameter with @Depends(SomeService)",
    500,
  ],
  FASTTS_ERR_ROUTE_DUPLICATE: [
    '%s: %s %s is already declared by %s as %s; parameter names aside it is the same template, so the later route would never run',
    500,
  ],
  FASTTS_ERR_RESPONSE_NOT_JSON: ['the response cannot be sent as JSON: %s at %s has no JSON form; convert it first (a bigint to a string or a number, a cycle to plain data)', 500],
  FASTTS_ERR_PARAM_TYPE_CONFLICT: [
    "%s: parameter '%s' is declared { type: %s } but its TypeScript type is %s; make them agree (Int and Number go with number, String with string, Boolean with boolean, [T] with an array; a union is emitted as Object and takes any type)",
    500,
  ],
  FASTTS_ERR_UPLOAD_CLOSED: ["upload '%s' was already closed (its request is done, or close() removed it after its deadline)", 500],
  FASTTS_ERR_BACKGROUND_NOT_CALLABLE: ['a background task needs a function (or a task definition), got %s', 500],
  FASTTS_ERR_DEPENDENCIES_OPTION: ['dependencies: [...] takes Depends(...) entries only, got %s', 500],
  FASTTS_ERR_FILE_RESPONSE_PATH: ['FileResponse: the file at %s %s', 500],
  FASTTS_ERR_SHUTDOWN_DEADLINE: ['shutdown deadline of %d ms passed', 500],
  FASTTS_ERR_STARTUP_FAILED: ['the app failed to start: %s', 500],
  FASTTS_ERR_MIDDLEWARE_RESULT: ['middleware %s returned %s, not a Response (return what await next() resolved with)', 500],
  FASTTS_ERR_TRUST_PROXY: ["trustProxy: '%s' is not a proxy to trust: %s", 500],
  FASTTS_ERR_PARAM_CONSTRAINT: ["%s: parameter '%s': %s", 500],
  FASTTS_ERR_PARAM_PATTERN: ["%s: parameter '%s': pattern '%s' is not a valid regular expression: %s", 500],
  FASTTS_ERR_WORKERS: ['%s must be a whole number of worker processes, got %s', 500],
  FASTTS_ERR_WEBSOCKET_STATE: ['WebSocket: cannot %s while the connection is %s', 500],
  FASTTS_ERR_WEBSOCKET_PARAM: ['%s: a WebSocket route has no %s (a WebSocket handshake has no body and no HTTP response); receive messages from the WebSocket instead', 500],
  FASTTS_ERR_WEBSOCKET_MESSAGE: ['WebSocket: expected a %s message, received a %s one', 500],
  FASTTS_ERR_NO_ROUTE_MATCH: ["no route named '%s' takes the path parameters {%s}: %s", 500],
  FASTTS_ERR_SESSION_OPTION: ['sessions(): %s', 500],
  FASTTS_ERR_SESSION_NOT_INSTALLED: ['request.session needs the sessions middleware: register it with app.use(sessions({ secret })) on the app whose routes read it', 500],
  FASTTS_ERR_SESSION_STORE: ['the session cannot be stored in its cookie: %s', 500],
} as const satisfies Record<string, readonly [string, number]>;

export type ErrorCode = keyof typeof errorCodes;

/** An error raised by fastts itself; `code` is stable and documented. */
export class FastTsError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, ...args: unknown[]) {
    const [template, status] = errorCodes[code];
    super(format(template, ...args));
    this.name = 'FastTsError';
    this.code = code;
    this.status = status;
  }
}
