import { fileURLToPath } from 'node:url';

// The compiled file, found from the package root, so that the sources (in the test) and dist agree.
const server = (name: string) => fileURLToPath(new URL(`../../dist/realtime/servers/${name}.js`, import.meta.url));

export interface RealtimeTarget {
  readonly id: string;
  readonly label: string;
  /** The compiled server (dist/realtime/servers/*.js). */
  readonly file: string;
  /** Extra environment of its server. */
  readonly env?: Record<string, string>;
}

/** WebSocket echo on `/echo`: bare `ws` first, the ceiling every ratio divides by. */
export const echoTargets: readonly RealtimeTarget[] = [
  { id: 'ws', label: 'bare `ws` (node:http + WebSocketServer)', file: server('raw') },
  { id: 'fastts', label: 'fastts (`@WebSocketRoute`, `iterText` / `sendText`)', file: server('fastts') },
  // The same server with the echo written as a message listener (ws.onText, then await ws.closed).
  { id: 'fastts-listener', label: 'fastts (`@WebSocketRoute`, `onText` / `sendText`)', file: server('fastts'), env: { ECHO_STYLE: 'listener' } },
  { id: 'fastify', label: '@fastify/websocket 11 on fastify 5', file: server('fastify') },
];

/** An SSE stream on `/events`: one event, then held open. */
export const sseTargets: readonly RealtimeTarget[] = [
  { id: 'node-http', label: 'bare node:http (`writeHead`, one `write`)', file: server('raw') },
  { id: 'fastts', label: 'fastts (`EventSourceResponse`, default 15 s ping)', file: server('fastts') },
];
