/// <reference types="reflect-metadata" />
import './metadata.js';
import type { ParamMarker } from './params.js';

// Apart from the HTTP routes' metadata, so their compiler never sees these.
const kWebSocketRoutes = Symbol('fastts:websocket-routes');

export interface WebSocketRouteOptions {
  /** Dependencies solved before the handler's own parameters (their values are discarded). */
  dependencies?: ParamMarker[];
  /** The route's name for `app.urlPathFor(name)` and `request.urlFor(name)`. Default: the handler method's name. */
  name?: string;
}

export interface WebSocketRouteMeta {
  propertyKey: string | symbol;
  path: string;
  options: WebSocketRouteOptions;
}

/**
 * A WebSocket route (FastAPI's `@app.websocket(path)`). Its parameters are
 * declared as an HTTP route's (`@Path`, `@Query`, `@Header`, `@Cookie`,
 * `Depends`, security dependencies) and solved before the handshake is
 * answered; the `WebSocket` itself is injected by its type. Named after
 * Starlette's `WebSocketRoute`, because `WebSocket` is the connection's class.
 *
 * @example
 * ```ts
 * @Controller('/rooms')
 * class Rooms {
 *   @WebSocketRoute('/{room}')
 *   async join(ws: WebSocket, @Path('room') room: string) {
 *     await ws.accept();
 *     await ws.sendJson({ joined: room });
 *   }
 * }
 * ```
 */
export function WebSocketRoute(path = '', options: WebSocketRouteOptions = {}): MethodDecorator {
  return (target, propertyKey) => {
    const routes: WebSocketRouteMeta[] = Reflect.getOwnMetadata(kWebSocketRoutes, target) ?? [];
    routes.push({ propertyKey, path, options });
    Reflect.defineMetadata(kWebSocketRoutes, routes, target);
  };
}

/** WebSocket routes in the order their methods appear in the class body. */
export function getWebSocketRouteMetas(target: object): WebSocketRouteMeta[] {
  return Reflect.getOwnMetadata(kWebSocketRoutes, target) ?? [];
}
