import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// What the Redis tests share: Debian's redis-server (.ci/run installs it with
// apt), started on a free loopback port in a temporary folder, and whether to
// run or skip.

export const REDIS_SERVER = '/usr/bin/redis-server';
export const redisInstalled = existsSync(REDIS_SERVER);

/** Whether a Redis test runs, and its title: in CI a missing redis-server is a failure (CI installs it); on a developer machine, a skip that says why. */
export function redisSuite(name: string): { run: boolean; title: string } {
  const run = redisInstalled || Boolean(process.env['CI']);
  const title = run ? name : `${name} (skipped: ${REDIS_SERVER} is missing; apt-get install redis-server to run it)`;
  if (!run) console.warn(title);
  return { run, title };
}

export interface RunningRedis {
  readonly port: number;
  readonly url: string;
  /** Kills the server and removes its folder. */
  stop(): Promise<void>;
  /** Kills the server (SIGKILL: no final save) and starts it again on the same port and folder, its append-only file replayed when on. */
  restart(options?: { downMs?: number }): Promise<void>;
}

/**
 * A redis-server of its own: a free loopback port, a fresh folder, no RDB
 * snapshots, `noeviction` (BullMQ's requirement: an evicted key is a lost job),
 * and the append-only file when asked (`appendfsync everysec`, Redis's default).
 */
export async function startRedis(options: { appendonly?: boolean } = {}): Promise<RunningRedis> {
  if (!redisInstalled) throw new Error(`${REDIS_SERVER} is missing; .ci/run installs it with apt-get install redis-server`);
  const dir = mkdtempSync(join(tmpdir(), 'fastts-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', options.appendonly ? 'yes' : 'no', '--dir', dir, '--maxmemory-policy', 'noeviction'];
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    await untilPong(port, child);
  };
  const kill = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
    async restart({ downMs = 0 } = {}) {
      await kill();
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      await launch();
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once the server answers PING (the AOF replayed, if any); bounded at 10 s. */
async function untilPong(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    if (await ping(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within 10 s`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    socket.setTimeout(1_000, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) {
        socket.end();
        resolve(answer.startsWith('+PONG'));
      }
    });
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(answer.startsWith('+PONG')));
  });
}
