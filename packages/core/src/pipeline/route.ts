import type { Plan } from '../di/plan.js';
import type { RouteOptions, HttpMethod } from '../decorators/methods.js';
import type { Response, ResponseInit } from '../http/response.js';

export type ResponseClass = new (content: unknown, init?: ResponseInit) => Response;

/** A route as the request pipeline needs it, built once by the app. */
export interface CompiledRoute {
  /** `Controller.method`, for logs. */
  readonly label: string;
  readonly methods: readonly HttpMethod[];
  readonly path: string;
  readonly plan: Plan;
  /** What the route reads from the body, judged from its whole dependency tree. */
  readonly body: 'none' | 'json' | 'form';
  /** Several body parameters (or `embed`): each is read under its own name. */
  readonly embedBody: boolean;
  readonly statusCode: number;
  readonly responseClass: ResponseClass;
  /** The init of a response built from a return value, shared when the response class only reads it. */
  readonly responseInit: Readonly<ResponseInit> | undefined;
  /** Validates and filters a plain return value against `responseModel`. */
  readonly serialize: ((value: unknown) => unknown) | undefined;
  readonly options: RouteOptions;
}
