/**
 * A request's session, kept by `sessions()` in a signed cookie (Starlette's
 * `request.session`): a plain object of JSON values that a handler reads and
 * changes. As a handler parameter type it is injected like `Request`. Give it
 * your keys by augmenting the interface.
 *
 * @example
 * ```ts
 * declare module '@fastts/core' {
 *   interface Session { user?: string }
 * }
 * ```
 */
export interface Session {
  [key: string]: unknown;
}

/** The class behind the type: what `emitDecoratorMetadata` names for a `session: Session` parameter. The session itself is a plain object, not an instance. */
export abstract class Session {}

/** What `sessions()` attaches to a request it serves (middleware/sessions.ts); `request.session` reads it. Internal. */
export interface SessionSlot {
  get(): Session;
  set(value: Session): void;
}

/** The request property the slot sits in: set only by `sessions()`, so a Request of an app without it has no such field. */
export const kSession: unique symbol = Symbol('fastts.session');

export type WithSession = { [kSession]?: SessionSlot };
