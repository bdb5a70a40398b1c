import type { App } from '../app.js';
import type { TaskOrigin } from '../background.js';
import type { ValidationIssue } from '../errors/validation-error.js';
import type { Request } from '../http/request.js';
import type { Response } from '../http/response.js';
import type { UploadFile } from '../http/upload-file.js';
import type { BackgroundTasks } from '../background.js';
import type { FormData } from './form.js';

/** A generator dependency that has yielded: resumed after the response. */
export interface Cleanup {
  label: string;
  generator: Generator<unknown, unknown, unknown> | AsyncGenerator<unknown, unknown, unknown>;
}

/**
 * Everything one request accumulates while its plan is solved: the shared
 * BackgroundTasks, the temporary Response, the dependency cache, the cleanups
 * of generator dependencies and the validation issues. One object per request,
 * passed down instead of a dozen arguments.
 */
export class RequestContext implements TaskOrigin {
  readonly request: Request;
  readonly label: string;
  /** The app, handed to task definitions through BackgroundTasks.origin. */
  app: App = undefined as unknown as App;
  /** Parsed JSON body, when the route reads one. */
  body: unknown = undefined;
  /** Read body parameters under their names (several of them, or `embed`). */
  embedBody = false;
  /** Parsed form, when the route reads one. */
  form: FormData | undefined = undefined;
  /** Files received for this request, removed once it is completely done. */
  uploads: UploadFile[] | undefined = undefined;
  tasks: BackgroundTasks | undefined = undefined;
  response: Response | undefined = undefined;
  cache: Map<object, unknown> | undefined = undefined;
  cleanups: Cleanup[] | undefined = undefined;
  issues: ValidationIssue[] | undefined = undefined;

  constructor(request: Request, label: string) {
    this.request = request;
    this.label = label;
  }

  /** As a TaskOrigin (the injected BackgroundTasks' origin): the route's label. */
  get route(): string {
    return this.label;
  }

  /** As a TaskOrigin: the request's id, generated only when a task definition asks. */
  get requestId(): string {
    return this.request.id;
  }
}

