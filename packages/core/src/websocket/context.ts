import type { Request } from '../http/request.js';
import { RequestContext } from '../pipeline/context.js';
import type { WebSocket } from './websocket.js';

/**
 * A WebSocket route's per-connection context: what an HTTP request's holds,
 * plus the WebSocket to inject. A subclass, so HTTP requests carry no field for it.
 */
export class WebSocketContext extends RequestContext {
  readonly websocket: WebSocket;

  constructor(request: Request, label: string, websocket: WebSocket) {
    super(request, label);
    this.websocket = websocket;
  }
}
