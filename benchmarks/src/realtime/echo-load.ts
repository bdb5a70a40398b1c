// One echo run, in the client process (pinned to the load core): `connections`
// WebSockets, each sending a small text message and waiting for its echo,
// back to back. The messages echoed in the measured window, and the server's
// CPU time over that same window, read from /proc.
import { readFileSync } from 'node:fs';
import { clientFrame, openWebSocket, type WsConnection } from './wire.js';

export const MESSAGE = 'fastts realtime echo, 32 bytes!!';

export interface EchoResult {
  messages: number;
  seconds: number;
  /** utime + stime of the server over the window, in seconds; NaN without /proc. */
  serverCpuSeconds: number;
}

function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function echoRun(port: number, serverPid: number, connections: number, warmupSeconds: number, seconds: number): Promise<EchoResult> {
  const frame = clientFrame(0x1, Buffer.from(MESSAGE));
  let running = true;
  let inFlight = 0;
  const sockets: WsConnection[] = [];
  for (let i = 0; i < connections; i++) {
    let conn: WsConnection | undefined;
    conn = await openWebSocket(port, '/echo', () => {
      inFlight--;
      if (running) {
        inFlight++;
        conn!.socket.write(frame);
      }
    });
    sockets.push(conn);
  }
  const total = () => sockets.reduce((sum, s) => sum + s.received(), 0);
  for (const conn of sockets) {
    inFlight++;
    conn.socket.write(frame);
  }
  await sleep(warmupSeconds * 1000);
  const fromCount = total();
  const fromCpu = cpuSeconds(serverPid);
  const from = performance.now();
  await sleep(seconds * 1000);
  const messages = total() - fromCount;
  const elapsed = (performance.now() - from) / 1000;
  const serverCpuSeconds = cpuSeconds(serverPid) - fromCpu;
  running = false;
  // Let the last echoes come back (bounded), then close properly.
  for (let i = 0; i < 100 && inFlight > 0; i++) await sleep(10);
  for (const conn of sockets) conn.close();
  return { messages, seconds: elapsed, serverCpuSeconds };
}
