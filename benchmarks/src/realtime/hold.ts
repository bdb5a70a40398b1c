// The memory measure's client side: many idle connections of one kind, opened
// a bounded number at a time (node's listen backlog is 511: more handshakes at
// once would overflow it and wait for SYN retransmits).
import type { Socket } from 'node:net';
import { openEventStream, openWebSocket } from './wire.js';

export type ConnectionKind = 'ws' | 'sse';

export interface Held {
  opened: number;
  failed: number;
  firstError?: string;
  seconds: number;
  release(): Promise<void>;
}

export async function holdConnections(kind: ConnectionKind, port: number, count: number, inFlight = 200): Promise<Held> {
  const sockets: Socket[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      next++;
      try {
        sockets.push(kind === 'ws' ? (await openWebSocket(port, '/echo')).socket : await openEventStream(port, '/events'));
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
  return {
    opened: sockets.length,
    failed,
    firstError,
    seconds: (performance.now() - started) / 1000,
    async release() {
      // Bounded: a socket that never reports 'close' does not hold the run up past 10 s.
      const closed = sockets.map((s) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve()))));
      for (const s of sockets) s.destroy();
      await Promise.race([Promise.all(closed), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    },
  };
}
