import { LiveTestClient, WebSocketHandshakeError, type WebSocketSession } from '@fastts/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type ChatAppOptions } from '../src/app.js';
import type { ChatEvent } from '../src/hub.js';

// The chat example over real sockets: rooms, the token checked before the
// handshake, notices and messages in one order for every member, and members
// that leave in every way a connection can end.

let client: LiveTestClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

async function start(options: ChatAppOptions = {}): Promise<LiveTestClient> {
  client = await LiveTestClient.start(createApp({ logger: false, ...options }));
  return client;
}

/** Joins `room` as `user` (each user's token is `<user>-token`) and reads the user's own join notice. */
async function join(user: string, room = 'lobby'): Promise<WebSocketSession> {
  const ws = await client!.websocket(`/rooms/${room}?token=${user}-token`);
  expect(await next(ws)).toEqual({ kind: 'join', room, user, text: `${user} joined` });
  return ws;
}

/** The next event a member receives, without its time (checked to be ISO 8601 here). */
async function next(ws: WebSocketSession): Promise<Omit<ChatEvent, 'at'>> {
  const { at, ...rest } = await ws.receiveJson<ChatEvent>();
  expect(new Date(at).toISOString()).toBe(at);
  return rest;
}

const message = (user: string, text: string, room = 'lobby') => ({ kind: 'message', room, user, text });
const left = (user: string, room = 'lobby') => ({ kind: 'leave', room, user, text: `${user} left` });
const joined = (user: string, room = 'lobby') => ({ kind: 'join', room, user, text: `${user} joined` });

async function refusal(path: string, headers?: Record<string, string>): Promise<number> {
  const error = await client!.websocket(path, { headers }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(WebSocketHandshakeError);
  return (error as WebSocketHandshakeError).status;
}

describe('a room', () => {
  it("shows two members each other's messages, and the join and leave notices, in one order", async () => {
    await start();
    const ada = await join('ada');
    const bob = await join('bob');
    expect(await next(ada)).toEqual(joined('bob'));
    await ada.sendText('hi bob');
    expect(await next(ada)).toEqual(message('ada', 'hi bob'));
    expect(await next(bob)).toEqual(message('ada', 'hi bob'));
    await bob.sendText('hello ada');
    expect(await next(bob)).toEqual(message('bob', 'hello ada'));
    expect(await next(ada)).toEqual(message('bob', 'hello ada'));
    // Blank messages are not broadcast: the next thing ada sees is bob leaving.
    await bob.sendText('   ');
    expect(await bob.close()).toEqual({ code: 1000, reason: '' });
    expect(await next(ada)).toEqual(left('bob'));
  });

  it('keeps rooms apart', async () => {
    await start();
    const ada = await join('ada', 'lobby');
    const cy = await join('cy', 'kitchen');
    await ada.sendText('only the lobby');
    // ada's own copy is sent with the others of the broadcast: had cy been sent one, it would come before cy's own.
    expect(await next(ada)).toEqual(message('ada', 'only the lobby'));
    await cy.sendText('only the kitchen');
    expect(await next(cy)).toEqual(message('cy', 'only the kitchen', 'kitchen'));
    const bob = await join('bob', 'kitchen');
    expect(await next(cy)).toEqual(joined('bob', 'kitchen'));
    await bob.sendText('hi cy');
    expect(await next(cy)).toEqual(message('bob', 'hi cy', 'kitchen'));
    expect(await next(bob)).toEqual(message('bob', 'hi cy', 'kitchen'));
    await ada.sendText('still alone');
    expect(await next(ada)).toEqual(message('ada', 'still alone'));
  });
});

describe('the handshake', () => {
  it('is refused with 403 for a missing or unknown token, and for a room name outside the pattern', async () => {
    await start();
    expect(await refusal('/rooms/lobby')).toBe(403);
    expect(await refusal('/rooms/lobby?token=nobody')).toBe(403);
    expect(await refusal('/rooms/Lobby?token=ada-token')).toBe(403);
    expect(await refusal('/rooms/no--dashes?token=ada-token')).toBe(403);
    expect(await refusal(`/rooms/${'a'.repeat(33)}?token=ada-token`)).toBe(403);
    // Nobody got in.
    expect((await client!.get('/rooms')).json()).toEqual([]);
  });

  it('takes the token from a cookie when the query has none', async () => {
    await start();
    const ws = await client!.websocket('/rooms/lobby', { headers: { cookie: 'token=cy-token' } });
    expect(await next(ws)).toEqual(joined('cy'));
    // The query wins over the cookie.
    expect(await refusal('/rooms/lobby?token=nobody', { cookie: 'token=cy-token' })).toBe(403);
  });
});

describe('GET /rooms', () => {
  it('lists the rooms by name with their member counts, and forgets a room once it is empty', async () => {
    await start();
    const ada = await join('ada', 'lobby');
    const bob = await join('bob', 'lobby');
    const cy = await join('cy', 'kitchen');
    const rooms = await client!.get('/rooms');
    expect(rooms.status).toBe(200);
    expect(rooms.json()).toEqual([
      { room: 'kitchen', members: 1 },
      { room: 'lobby', members: 2 },
    ]);
    await bob.close();
    expect(await next(ada)).toEqual(joined('bob'));
    expect(await next(ada)).toEqual(left('bob'));
    expect((await client!.get('/rooms')).json()).toEqual([
      { room: 'kitchen', members: 1 },
      { room: 'lobby', members: 1 },
    ]);
    await cy.close();
    await ada.close();
    // The handlers of closed connections, and so their leave(), are done once the client's background work is.
    await client!.waitForTasks();
    expect((await client!.get('/rooms')).json()).toEqual([]);
  });
});

describe('members that go away', () => {
  it('removes a member whose connection drops without a close frame, and the others keep chatting', async () => {
    await start();
    const ada = await join('ada');
    const bob = await join('bob');
    const cy = await join('cy');
    expect([await next(ada), await next(ada), await next(bob)]).toEqual([joined('bob'), joined('cy'), joined('cy')]);
    bob.raw.terminate();
    expect((await bob.closed).code).toBe(1006);
    expect(await next(ada)).toEqual(left('bob'));
    expect(await next(cy)).toEqual(left('bob'));
    await cy.sendText('is bob gone?');
    expect(await next(ada)).toEqual(message('cy', 'is bob gone?'));
    expect(await next(cy)).toEqual(message('cy', 'is bob gone?'));
    expect((await client!.get('/rooms')).json()).toEqual([{ room: 'lobby', members: 2 }]);
  });

  it('closes a member that sends a message over 4 KiB with 1009, and one that sends bytes with 1003', async () => {
    await start();
    const ada = await join('ada');
    const bob = await join('bob');
    const cy = await join('cy');
    expect([await next(ada), await next(ada)]).toEqual([joined('bob'), joined('cy')]);
    await bob.sendText('x'.repeat(4097));
    expect((await bob.closed).code).toBe(1009);
    expect(await next(ada)).toEqual(left('bob'));
    await cy.sendBytes(Buffer.from('not text'));
    expect(await cy.closed).toEqual({ code: 1003, reason: 'text messages only' });
    expect(await next(ada)).toEqual(left('cy'));
    // 4 KiB exactly still goes through.
    await ada.sendText('y'.repeat(4096));
    expect(await next(ada)).toEqual(message('ada', 'y'.repeat(4096)));
  });

  it('drops a member that stops reading once its sends stall, and the room goes on', async () => {
    // Small buffers so that a member that does not read stalls its sends after a few hundred KiB, not megabytes.
    await start({ sendTimeoutMs: 200, websocket: { maxBufferedBytes: 16 * 1024 } });
    const ada = await join('ada');
    const slow = await join('bob');
    expect(await next(ada)).toEqual(joined('bob'));
    // bob's client stops reading: the kernel's socket buffers fill, then fastts's, then bob's sends wait.
    slow.raw.pause();
    const text = 'z'.repeat(4000);
    let sent = 0;
    let seen: Omit<ChatEvent, 'at'> | undefined;
    // Bounded: Linux's loopback socket buffers grow to about 10 MiB at most (tcp_rmem and tcp_wmem), far below
    // 10,000 messages of 4 KB; here bob was dropped after about 1,000.
    while (sent < 10_000) {
      await ada.sendText(text);
      sent++;
      seen = await next(ada);
      if (seen.kind !== 'message') break;
    }
    expect(seen).toEqual(left('bob'));
    expect(sent).toBeGreaterThan(10);
    // ada's next message was waiting behind the broadcast that gave up on bob.
    expect(await next(ada)).toEqual(message('ada', text));
    slow.raw.resume();
    expect((await slow.closed).code).toBe(1013);
    // ada still chats, now alone in the room.
    await ada.sendText('anyone?');
    expect(await next(ada)).toEqual(message('ada', 'anyone?'));
    expect((await client!.get('/rooms')).json()).toEqual([{ room: 'lobby', members: 1 }]);
  });
});

describe('GET /', () => {
  it('serves the page with its script inline and nothing else to fetch', async () => {
    await start();
    const page = await client!.get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain("new WebSocket(scheme + '//' + location.host + '/rooms/'");
    expect(page.text).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
  });
});

describe('shutdown', () => {
  it('closes every member with 1001 and leaves the hub empty', async () => {
    const app = createApp({ logger: false });
    client = await LiveTestClient.start(app);
    const members = [await join('ada', 'lobby'), await join('bob', 'lobby'), await join('cy', 'kitchen')];
    expect(app.state.hub!.rooms()).toEqual([
      { room: 'kitchen', members: 1 },
      { room: 'lobby', members: 2 },
    ]);
    await client.close();
    client = undefined;
    const closes = await Promise.all(members.map((ws) => ws.closed));
    expect(closes).toEqual(Array(3).fill({ code: 1001, reason: 'Server shutting down' }));
    expect(app.state.hub!.rooms()).toEqual([]);
  });
});
