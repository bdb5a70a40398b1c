import { describe, expect, it } from 'vitest';
import { RoomHub, TOO_SLOW, type Connection } from '../src/hub.js';

// RoomHub on its own, with stand-ins for connections: a member that never
// finishes a send, or whose send fails, is dropped without holding up the room.

/** A connection that records what it was sent and how it was closed; `send` decides how each send ends. */
function connection(send: (kind: string) => Promise<void> = () => Promise.resolve()) {
  const sent: { kind: string; user: string; text: string }[] = [];
  const closes: [number | undefined, string | undefined][] = [];
  const conn: Connection = {
    sendJson(value) {
      const { kind, user, text } = value as { kind: string; user: string; text: string };
      sent.push({ kind, user, text });
      return send(kind);
    },
    async close(code, reason) {
      closes.push([code, reason]);
    },
  };
  return { conn, sent, closes };
}

describe('RoomHub', () => {
  it('drops a member whose send never completes and one whose send fails; the others get the message and their leave notices', async () => {
    const hub = new RoomHub({ sendTimeoutMs: 50 });
    const ada = connection();
    // Both take their join notices, then stall or fail on the first message.
    const stuck = connection((kind) => (kind === 'message' ? new Promise(() => {}) : Promise.resolve()));
    const gone = connection((kind) => (kind === 'message' ? Promise.reject(new Error('connection reset')) : Promise.resolve()));
    const speaker = await hub.join('lobby', 'ada', ada.conn);
    await hub.join('lobby', 'stuck', stuck.conn);
    await hub.join('lobby', 'gone', gone.conn);
    expect(hub.rooms()).toEqual([{ room: 'lobby', members: 3 }]);
    // Resolves once the deadline has passed for stuck: ada's copy was sent at once.
    await hub.say(speaker, 'hello');
    expect(hub.rooms()).toEqual([{ room: 'lobby', members: 1 }]);
    expect(stuck.closes).toEqual([[TOO_SLOW, 'too slow to keep up']]);
    expect(gone.closes).toEqual([[TOO_SLOW, 'too slow to keep up']]);
    await hub.say(speaker, 'still here');
    expect(ada.sent).toEqual([
      { kind: 'join', user: 'ada', text: 'ada joined' },
      { kind: 'join', user: 'stuck', text: 'stuck joined' },
      { kind: 'join', user: 'gone', text: 'gone joined' },
      { kind: 'message', user: 'ada', text: 'hello' },
      { kind: 'leave', user: 'stuck', text: 'stuck left' },
      { kind: 'leave', user: 'gone', text: 'gone left' },
      { kind: 'message', user: 'ada', text: 'still here' },
    ]);
  });

  it('says nothing for a member that has left, and leaves once', async () => {
    const hub = new RoomHub();
    const ada = connection();
    const bob = connection();
    const a = await hub.join('lobby', 'ada', ada.conn);
    const b = await hub.join('lobby', 'bob', bob.conn);
    await hub.leave(b);
    await hub.leave(b);
    await hub.say(b, 'after leaving');
    expect(ada.sent.map((e) => e.text)).toEqual(['ada joined', 'bob joined', 'bob left']);
    await hub.leave(a);
    expect(hub.rooms()).toEqual([]);
  });
});
