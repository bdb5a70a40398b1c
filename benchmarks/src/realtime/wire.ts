// The load side's WebSocket and SSE connections, on raw sockets. A `ws`
// client costs about as much CPU per message as a `ws` server (it frames,
// masks, parses and emits the same way), so on a core of its own it would
// saturate with the servers and cap their figures; and 10,000 `ws` clients
// would weigh on the process that holds them. These do the least a client
// must: one handshake, a pre-masked frame sent again and again, a frame
// parser that counts text messages and answers pings (fastts pings every
// 20 s and cuts peers that do not answer).
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

const HEAD_END = Buffer.from('\r\n\r\n');

/** A client frame: FIN + opcode, the masked bit and length, the mask, the masked payload (RFC 6455 §5.2). */
export function clientFrame(opcode: number, payload: Buffer): Buffer {
  if (payload.length > 125) throw new Error('clientFrame: payloads up to 125 bytes only');
  const mask = randomBytes(4);
  const frame = Buffer.alloc(6 + payload.length);
  frame[0] = 0x80 | opcode;
  frame[1] = 0x80 | payload.length;
  mask.copy(frame, 2);
  for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i]! ^ mask[i & 3]!;
  return frame;
}

const CLOSE_1000 = clientFrame(0x8, Buffer.from([0x03, 0xe8]));

export interface WsConnection {
  readonly socket: Socket;
  /** Text messages received so far. */
  readonly received: () => number;
  /** Sends a close frame (1000) and ends the socket. */
  close(): void;
}

/**
 * Opens a WebSocket to `ws://host:port/path` and resolves once the server has
 * answered 101. `onText(conn)` runs on every text message received.
 */
export function openWebSocket(port: number, path: string, onText?: () => void): Promise<WsConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', noDelay: true });
    let head: Buffer<ArrayBufferLike> | undefined = Buffer.alloc(0);
    let pending: Buffer<ArrayBufferLike> = Buffer.alloc(0);
    let received = 0;
    const conn: WsConnection = {
      socket,
      received: () => received,
      close() {
        if (!socket.destroyed) socket.end(CLOSE_1000);
      },
    };
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed before the handshake was answered')));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    socket.on('data', (chunk: Buffer) => {
      if (head !== undefined) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf(HEAD_END);
        if (end < 0) return;
        const status = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
        if (!status.startsWith('HTTP/1.1 101')) {
          socket.destroy();
          reject(new Error(`handshake answered ${status}`));
          return;
        }
        chunk = head.subarray(end + 4);
        head = undefined;
        socket.removeAllListeners('error');
        socket.removeAllListeners('close');
        socket.on('error', () => {});
        resolve(conn);
        if (chunk.length === 0) return;
      }
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      // Server frames are unmasked; the echoes are small, so 7-bit or 16-bit lengths.
      let at = 0;
      while (pending.length - at >= 2) {
        const opcode = pending[at]! & 0x0f;
        let length = pending[at + 1]! & 0x7f;
        let start = at + 2;
        if (length === 126) {
          if (pending.length - at < 4) break;
          length = pending.readUInt16BE(at + 2);
          start = at + 4;
        } else if (length === 127) {
          if (pending.length - at < 10) break;
          length = Number(pending.readBigUInt64BE(at + 2));
          start = at + 10;
        }
        if (pending.length < start + length) break;
        if (opcode === 0x1) {
          received++;
          onText?.();
        } else if (opcode === 0x9) {
          socket.write(clientFrame(0xa, pending.subarray(start, start + length)));
        } else if (opcode === 0x8) {
          socket.end();
        }
        at = start + length;
      }
      pending = at === pending.length ? Buffer.alloc(0) : pending.subarray(at);
    });
  });
}

/** Opens `GET path` as an event stream and resolves once its first event has arrived; later bytes are read and dropped. */
export function openEventStream(port: number, path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let seen = '';
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed before the first event')));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      const body = seen.indexOf('\r\n\r\n');
      if (body < 0) return;
      if (!seen.startsWith('HTTP/1.1 200')) {
        socket.destroy();
        reject(new Error(`answered ${seen.slice(0, seen.indexOf('\r\n'))}`));
      } else if (seen.includes('data: ', body)) {
        socket.off('data', onData);
        socket.removeAllListeners('error');
        socket.removeAllListeners('close');
        socket.on('error', () => {});
        socket.on('data', () => {});
        resolve(socket);
      }
    };
    socket.on('data', onData);
  });
}
