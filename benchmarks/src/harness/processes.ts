import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';

// Every child the harness starts, so that none outlives it: they are all
// killed when the process exits, and, once the harness asks for it, on
// SIGINT/SIGTERM/SIGHUP too.
const children = new Set<ChildProcess>();
let exitHooked = false;

function killAll(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
}

/** Kills every child on SIGINT/SIGTERM/SIGHUP, then exits (for the command line, not for tests). */
export function killChildrenOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping the servers and the load generator\n`);
      killAll();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

const hasTaskset = spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;

/** Whether processes can be pinned to a core (util-linux `taskset`). */
export function canPin(): boolean {
  return hasTaskset;
}

/**
 * Spawns `command` pinned to `cpu` (when taskset exists: it execs the command,
 * so the pid is the command's own), tracked for clean-up.
 */
export function spawnPinned(cpu: number | string | undefined, command: string, args: string[], options: SpawnOptions): ChildProcess {
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', killAll);
  }
  const child = cpu !== undefined && hasTaskset ? spawn('taskset', ['-c', String(cpu), command, ...args], options) : spawn(command, args, options);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** A port nobody listens on right now, on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A started target: its process, its URL and what it printed. */
export interface RunningServer {
  readonly url: string;
  readonly pid: number;
  /** Peak resident set size so far (VmHWM), in KiB; NaN when /proc cannot tell. */
  peakRssKiB(): number;
  /** The last 8 KiB of its stdout and stderr. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  /** Core to pin the server to, or a taskset list of cores (`0,1`). */
  cpu?: number | string;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** How long it may take to answer its first request. */
  startTimeoutMs?: number;
  /** Extra environment. */
  env?: Record<string, string>;
}

/** Starts `node file` on a free port and resolves once it answers `GET /hello`. */
export async function startServer(file: string, options: StartOptions = {}): Promise<RunningServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawnPinned(options.cpu, process.execPath, [...(options.nodeArgs ?? []), file], {
    env: { ...process.env, ...options.env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8192);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = once(child, 'exit');
  const pid = child.pid!;
  const server: RunningServer = {
    url,
    pid,
    peakRssKiB: () => readPeakRss(pid),
    output: () => output,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  try {
    await waitUntilAnswering(url, child, options.startTimeoutMs ?? 30_000);
  } catch (err) {
    await server.stop(1000);
    throw new Error(`${(err as Error).message}\n--- ${file} output ---\n${output}`);
  }
  return server;
}

async function waitUntilAnswering(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the server exited (${child.exitCode ?? child.signalCode}) before answering`);
    try {
      const res = await fetch(`${url}/hello`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`the server did not answer GET /hello within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** VmHWM of a live process, in KiB. */
export function readPeakRss(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** `pid` and its descendants (a cluster's workers), from /proc; just `pid` where /proc cannot tell. */
export function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    try {
      const children = readFileSync(`/proc/${all[i]}/task/${all[i]}/children`, 'utf8').trim();
      if (children) all.push(...children.split(/\s+/).map(Number));
    } catch {
      // Gone, or no /proc.
    }
  }
  return all;
}
