import { App, Controller, Depends, Get, Path, Query, WebSocket, WebSocketRoute } from '@fastts/core';
import { APIKeyHeader } from '@fastts/core/security';
import { openapiDocument } from '@fastts/openapi';
import { describe, expect, it } from 'vitest';
import { expectValidOpenAPI } from './validate.js';

// FastAPI leaves WebSocket routes out of the OpenAPI document: so does fastts,
// even when they share a path with an HTTP route and use a security scheme.

const apiKey = APIKeyHeader({ name: 'x-api-key' });

@Controller('/rooms')
class Rooms {
  @Get('/{room}')
  read(@Path('room') room: string) {
    return { room };
  }

  @WebSocketRoute('/{room}')
  async join(ws: WebSocket, @Path('room') room: string, @Query('since') since: number, @Depends(apiKey) key: string) {
    await ws.accept();
    await ws.sendJson({ room, since, key });
  }

  @WebSocketRoute('/{room}/live')
  async live(ws: WebSocket) {
    await ws.accept();
  }
}

describe('WebSocket routes', () => {
  it('are not in the document, and do not disturb the HTTP route on the same path', () => {
    const app = new App({ logger: false }).include(Rooms);
    expect(app.routes.map((r) => r.kind)).toEqual(['http', 'websocket', 'websocket']);
    const doc = openapiDocument(app);
    expectValidOpenAPI(doc);
    expect(Object.keys(doc.paths)).toEqual(['/rooms/{room}']);
    expect(Object.keys(doc.paths['/rooms/{room}']!)).toEqual(['get']);
    // The WebSocket route's API key scheme is not documented either: no operation uses it.
    expect(doc.components?.securitySchemes).toBeUndefined();
  });
});
