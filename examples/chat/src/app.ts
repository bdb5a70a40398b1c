import { App, Controller, Depends, Get, HTMLResponse, Path, Request, WebSocket, WebSocketException, WebSocketRoute, dependency, type AppOptions, type Lifespan } from '@fastts/core';
import { IsInt, IsString } from '@fastts/core/validators';
import { serveDocs } from '@fastts/openapi';
import { RoomHub } from './hub.js';
import { chatPage } from './page.js';
import { requireUser } from './users.js';

declare module '@fastts/core' {
  interface AppState {
    /** Set by the lifespan of createApp's app. */
    hub?: RoomHub;
  }
}

/** The app's one RoomHub, for handlers and dependencies. */
export const roomHub = dependency([Request], (request: Request) => request.app.state.hub!);

export class RoomInfo {
  @IsString()
  room!: string;

  @IsInt()
  members!: number;
}

/** Room names: lower-case words joined by dashes, short enough for a URL. A name that does not match refuses the handshake (403). */
const ROOM_NAME = { pattern: /^[a-z0-9]+(?:-[a-z0-9]+)*$/, maxLength: 32 };

@Controller()
export class ChatController {
  @Get('/', { responseClass: HTMLResponse, summary: 'A page to try the chat in a browser' })
  page() {
    return chatPage;
  }

  @Get('/rooms', { responseModel: [RoomInfo], summary: 'List the rooms with their member counts' })
  rooms(@Depends(roomHub) hub: RoomHub) {
    return hub.rooms();
  }

  @WebSocketRoute('/rooms/{room}')
  async chat(ws: WebSocket, @Path('room', ROOM_NAME) room: string, @Depends(requireUser) user: string, @Depends(roomHub) hub: RoomHub) {
    await ws.accept();
    const member = await hub.join(room, user, ws);
    try {
      // Ends with WebSocketDisconnect when the member leaves, is dropped, or the app shuts down.
      for (;;) {
        const text = await ws.receive();
        if (typeof text !== 'string') throw new WebSocketException(1003, 'text messages only');
        if (text.trim() !== '') await hub.say(member, text);
      }
    } finally {
      await hub.leave(member);
    }
  }
}

export interface ChatAppOptions extends AppOptions {
  /** A member whose messages have not been written within this is dropped (see RoomHub). Default 5 s. */
  sendTimeoutMs?: number;
}

/** Chat rooms over WebSockets, GET /rooms, a page at / to try them, and /docs. */
export function createApp(options: ChatAppOptions = {}): App {
  const { sendTimeoutMs, websocket, ...appOptions } = options;
  const lifespan: Lifespan = async function* () {
    const hub = new RoomHub({ sendTimeoutMs });
    yield { hub };
    // By now fastts has closed every socket with 1001 and waited for the handlers, whose leave() ran;
    // one cut off at the drain deadline would leave its member behind.
    hub.clear();
  };
  // A chat message is short: a larger one closes its connection with 1009 (fastts's default allows 1 MiB).
  const app = new App({ ...appOptions, lifespan, websocket: { maxMessageBytes: 4096, ...websocket } }).include(ChatController);
  return serveDocs(app, {
    title: 'fastts chat example',
    version: '0.1.0',
    description: 'Open / in a browser to chat; the rooms are WebSockets at /rooms/{room}?token=ada-token, which OpenAPI does not describe.',
  });
}
