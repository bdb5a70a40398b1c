/** What the hub needs of a connection: fastts's `WebSocket` has both methods (a unit test passes a stand-in). */
export interface Connection {
  sendJson(value: unknown): Promise<void>;
  close(code?: number, reason?: string): Promise<void>;
}

/** One connection in one room. */
export interface Member {
  readonly room: string;
  readonly user: string;
  readonly connection: Connection;
}

/** What every member of a room receives: a message, or a notice that someone joined or left. */
export interface ChatEvent {
  kind: 'message' | 'join' | 'leave';
  room: string;
  user: string;
  text: string;
  /** When the server sent it, ISO 8601. */
  at: string;
}

export interface RoomCount {
  room: string;
  members: number;
}

export interface RoomHubOptions {
  /** A member whose send has not completed within this many milliseconds is dropped (closed with 1013). Default 5 s. */
  sendTimeoutMs?: number;
}

/** Close code for a member too slow to keep up: 1013, "try again later" (IANA WebSocket close code registry). */
export const TOO_SLOW = 1013;

/**
 * The chat rooms of one process: who is in which room, and broadcast to a
 * room. One instance lives in `app.state.hub` (see app.ts).
 */
export class RoomHub {
  readonly #rooms = new Map<string, Set<Member>>();
  readonly #sendTimeoutMs: number;

  constructor(options: RoomHubOptions = {}) {
    this.#sendTimeoutMs = options.sendTimeoutMs ?? 5_000;
  }

  /** Adds the connection to the room and tells the room, the newcomer included. */
  async join(room: string, user: string, connection: Connection): Promise<Member> {
    const member: Member = { room, user, connection };
    let members = this.#rooms.get(room);
    if (members === undefined) this.#rooms.set(room, (members = new Set()));
    members.add(member);
    await this.#broadcast(room, event('join', member, `${user} joined`));
    return member;
  }

  /** A message from a member to its room, the sender included, so that every client shows the room's messages in one order. */
  async say(member: Member, text: string): Promise<void> {
    // A member dropped as too slow may still have messages queued on its side: they go nowhere.
    if (!this.#rooms.get(member.room)?.has(member)) return;
    await this.#broadcast(member.room, event('message', member, text));
  }

  /** Removes the member and tells the room; the second call for a member does nothing. */
  async leave(member: Member): Promise<void> {
    const members = this.#rooms.get(member.room);
    if (members === undefined || !members.delete(member)) return;
    if (members.size === 0) this.#rooms.delete(member.room);
    else await this.#broadcast(member.room, event('leave', member, `${member.user} left`));
  }

  /** The rooms with someone in them, by name. */
  rooms(): RoomCount[] {
    return [...this.#rooms]
      .map(([room, members]) => ({ room, members: members.size }))
      .sort((a, b) => (a.room < b.room ? -1 : a.room > b.room ? 1 : 0));
  }

  /** Forgets every member, without a notice: for the app's shutdown, once fastts has closed their sockets. */
  clear(): void {
    this.#rooms.clear();
  }

  /**
   * Sends to every member at once. fastts's `sendJson` resolves at once while
   * little waits to be written to a member, and waits for a member that reads
   * slowly, so one deadline for the whole broadcast keeps a slow or dead member
   * from holding up the sender and the room: such a member, and one whose send
   * failed (it left), is dropped.
   */
  async #broadcast(room: string, message: ChatEvent): Promise<void> {
    const members = [...(this.#rooms.get(room) ?? [])];
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`send not done within ${this.#sendTimeoutMs} ms`)), this.#sendTimeoutMs);
    });
    let results: PromiseSettledResult<void>[];
    try {
      results = await Promise.allSettled(members.map((member) => Promise.race([member.connection.sendJson(message), deadline])));
    } finally {
      clearTimeout(timer);
    }
    const dropped = members.filter((_, i) => results[i]!.status === 'rejected');
    // Closing ends the member's own handler too; a member already closing keeps its close code.
    for (const member of dropped) void member.connection.close(TOO_SLOW, 'too slow to keep up');
    for (const member of dropped) await this.leave(member);
  }
}

function event(kind: ChatEvent['kind'], member: Member, text: string): ChatEvent {
  return { kind, room: member.room, user: member.user, text, at: new Date().toISOString() };
}
