/**
 * @module
 * fastts core: decorated controllers, dependency injection, responses with
 * background tasks, and the node:http server that runs them.
 */
export { App, DependencyOverrides, type AppOptions, type IncludeOptions, type MountOptions, type PathParams, type RouteInfo, type TaskErrorInfo } from './app.js';
export { serve, type ServeOptions } from './serve.js';
export { APIRouter } from './api-router.js';
export type { NodeHandler } from './mount.js';
export type { Middleware, Next } from './middleware/chain.js';
export type { TrustProxy } from './http/proxy.js';
export { connectMiddleware, type ConnectMiddleware } from './middleware/connect.js';
export { cors, type CorsOptions } from './middleware/cors.js';
export { trustedHost, type TrustedHostOptions } from './middleware/trusted-host.js';
export { gzip, type GZipOptions } from './middleware/gzip.js';
export { httpsRedirect } from './middleware/https-redirect.js';
export { sessions, type SessionOptions } from './middleware/sessions.js';
export { Session } from './http/session.js';
export type { AppState, Lifespan } from './lifespan.js';
export { BackgroundTask, BackgroundTasks, type Background } from './background.js';
export { Controller, Injectable, type ControllerOptions } from './decorators/controller.js';
export { Route, Get, Post, Put, Patch, Delete, Head, Options, type HttpMethod, type RouteOptions } from './decorators/methods.js';
export { WebSocketRoute, type WebSocketRouteOptions } from './decorators/websocket-route.js';
export { WebSocket, type WebSocketState, type AcceptOptions } from './websocket/websocket.js';
export { WebSocketDisconnect, WebSocketException } from './websocket/errors.js';
export type { WebSocketLimits } from './websocket/hub.js';
export {
  Path,
  Query,
  Header,
  Cookie,
  Body,
  Form,
  File,
  type ParamMarker,
  type ParamSpec,
  type ValueSpec,
  type ValueOptions,
  type HeaderOptions,
  type BodyOptions,
  type ParamSource,
  type ValueOf,
  type EnumOption,
  type EnumValue,
} from './decorators/params.js';
export { Int, UUID, DateOnly, Time, AwareDateTime, Duration, Decimal, DecimalOf, Base64Bytes, type DecimalToken, type TypeToken, type TypeOf } from './decorators/type-tokens.js';
export { recordOf, unionOf, discriminatedUnion, RecordType, UnionType, type UnionMember } from './decorators/compound-types.js';
export { IsDateOnly, IsTime, IsTimezoneAware, IsDuration, IsBase64Bytes, IsDecimalText, IsRecord, IsUnion, IsDiscriminatedUnion, type FieldTypeOptions } from './decorators/fields.js';
export { Model, type ModelOptions } from './validation/model-options.js';
export { PartialModel } from './validation/partial.js';
export type { FieldSelection } from './validation/output-options.js';
export { Depends, dependency, type DependsOptions, type Injectable as InjectableParam, type ArgsOf, type Provided } from './di/depends.js';
export { DependencyScope } from './di/scope.js';
export { Request, type QueryParams } from './http/request.js';
export { UploadFile } from './http/upload-file.js';
export type { UploadLimits, FormData } from './pipeline/form.js';
export {
  Response,
  JSONResponse,
  HTMLResponse,
  PlainTextResponse,
  RedirectResponse,
  StreamingResponse,
  FileResponse,
  type ResponseInit,
  type FileResponseInit,
  type StreamContent,
} from './http/response.js';
export { EventSourceResponse, JSONLinesResponse, ServerSentEvent, encodeEvent, lastEventId, type EventStreamSource, type EventSourceInit, type ServerSentEventInit } from './http/sse.js';
export type { CookieOptions } from './http/cookies.js';
export { HTTPException } from './errors/http-exception.js';
export { RequestValidationError, ResponseValidationError, type ValidationIssue } from './errors/validation-error.js';
export { FastTsError, errorCodes, type ErrorCode } from './errors/codes.js';
export { httpExceptionHandler, requestValidationHandler, type ExceptionHandler } from './errors/handlers.js';
export { childLogger, defaultLogger, silentLogger, type Logger } from './logger.js';
export type { TaskFailure } from './pipeline/supervisor.js';
