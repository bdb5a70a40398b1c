// The measured runs of `npm run realtime`: echo throughput on warm servers in
// alternating rounds, and memory per idle connection on fresh servers.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { otherCpuPercent, snapshotCpu, waitForQuiet } from '../harness/interference.js';
import { spawnPinned, startServer, type RunningServer } from '../harness/processes.js';
import type { EchoResult } from './echo-load.js';
import type { ClientCommand } from './client.js';
import type { ConnectionKind } from './hold.js';
import type { RealtimeTarget } from './targets.js';

/** Others may use this much of a core during a run before it counts as disturbed (the bench harness's figure). */
export const BUSY_PERCENT = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The load process, pinned to `cpu`, driven one command at a time. */
export interface Client {
  readonly pid: number;
  run<T>(command: ClientCommand): Promise<T>;
  stop(): Promise<void>;
}

export async function startClient(cpu: number | undefined): Promise<Client> {
  const file = fileURLToPath(new URL('../../dist/realtime/client.js', import.meta.url));
  const child: ChildProcess = spawnPinned(cpu, process.execPath, [file], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () =>
    new Promise<{ ok: boolean; result?: unknown; error?: string }>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the load process exited (${code})`));
      child.once('exit', onExit);
      child.once('message', (message) => {
        child.off('exit', onExit);
        resolve(message as { ok: boolean; result?: unknown; error?: string });
      });
    });
  await next();
  return {
    pid: child.pid!,
    async run<T>(command: ClientCommand): Promise<T> {
      const reply = next();
      child.send(command);
      const { ok, result, error } = await reply;
      if (!ok) throw new Error(`load process: ${error}`);
      return result as T;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.disconnect();
      await Promise.race([exited, sleep(5000).then(() => child.kill('SIGKILL'))]);
    },
  };
}

export interface ServerOptions {
  cpu: number | undefined;
  cpuProfDir?: string;
}

const exitOnSignal = fileURLToPath(new URL('../../dist/harness/exit-on-signal.js', import.meta.url));

/** A realtime server on a free port, on the server core, with gc() exposed for GET /memory. */
export function startRealtimeServer(target: RealtimeTarget, options: ServerOptions): Promise<RunningServer> {
  const profile = options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir, '--cpu-prof-name', `realtime-${target.id}.cpuprofile`, '--import', exitOnSignal] : [];
  return startServer(target.file, { cpu: options.cpu, nodeArgs: ['--expose-gc', ...profile], startTimeoutMs: 30_000, ...(target.env ? { env: target.env } : {}) });
}

export const portOf = (server: RunningServer) => Number(new URL(server.url).port);

export interface EchoRun {
  target: string;
  round: number;
  messagesPerSecond?: number;
  messages?: number;
  seconds?: number;
  /** Server CPU time per echoed message, in µs. */
  serverCpuMicrosPerMessage?: number;
  /** The server's CPU use over the window, in % of one core: under 100, the server was not the limit. */
  serverCpuPercent?: number;
  /** Other processes' CPU during the run, in % of one core. */
  otherCpuPercent?: number;
  error?: string;
}

export interface EchoOptions {
  connections: number;
  warmupSeconds: number;
  seconds: number;
  busyRetries: number;
  quietMs: number;
}

/** One echo run against a warm server; measured again (up to `busyRetries` times) when others took more than BUSY_PERCENT of a core, keeping the least disturbed. */
export async function echoOnce(client: Client, server: RunningServer, target: RealtimeTarget, round: number, options: EchoOptions): Promise<EchoRun> {
  let best: EchoRun | undefined;
  for (let attempt = 0; attempt <= options.busyRetries; attempt++) {
    if (options.quietMs > 0) await waitForQuiet(BUSY_PERCENT, options.quietMs);
    const before = snapshotCpu();
    const from = performance.now();
    let run: EchoRun;
    try {
      const result = await client.run<EchoResult>({ cmd: 'echo', port: portOf(server), serverPid: server.pid, connections: options.connections, warmupSeconds: options.warmupSeconds, seconds: options.seconds });
      run = {
        target: target.id,
        round,
        messagesPerSecond: result.messages / result.seconds,
        messages: result.messages,
        seconds: result.seconds,
        serverCpuMicrosPerMessage: (result.serverCpuSeconds / result.messages) * 1e6,
        serverCpuPercent: (result.serverCpuSeconds / result.seconds) * 100,
      };
    } catch (err) {
      return { target: target.id, round, error: (err as Error).message };
    }
    run.otherCpuPercent = otherCpuPercent(before, snapshotCpu(), [process.pid, client.pid, server.pid], (performance.now() - from) / 1000);
    if (best === undefined || run.otherCpuPercent < best.otherCpuPercent!) best = run;
    if (run.otherCpuPercent <= BUSY_PERCENT) break;
  }
  return best!;
}

export interface MemoryRun {
  kind: ConnectionKind;
  target: string;
  round: number;
  opened?: number;
  failed?: number;
  /** How long opening them took, in seconds. */
  openSeconds?: number;
  /** VmRSS of the server, in bytes, after gc(): before (with 100 connections opened and closed) and with the connections open. */
  rssBefore?: number;
  rssAfter?: number;
  heapBefore?: number;
  heapAfter?: number;
  /** external + arrayBuffers (buffers outside the JavaScript heap), before and after. */
  externalBefore?: number;
  externalAfter?: number;
  rssPerConnection?: number;
  heapPerConnection?: number;
  externalPerConnection?: number;
  otherCpuPercent?: number;
  error?: string;
}

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
}

/** The server's memory after gc(): heap and external from GET /memory, resident set from /proc (VmRSS). */
export async function readMemory(server: RunningServer): Promise<Memory> {
  const res = await fetch(`${server.url}/memory`, { signal: AbortSignal.timeout(30_000) });
  const body = (await res.json()) as { heapUsed: number; external: number; rss: number; gc: boolean };
  if (!body.gc) throw new Error('the server has no gc(): start it with --expose-gc');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'));
  return { rss: match ? Number(match[1]) * 1024 : body.rss, heapUsed: body.heapUsed, external: body.external };
}

/**
 * A fresh server; 100 connections opened and closed (so that lazily loaded
 * code, such as fastts's `ws`, and the JIT's work are in the baseline); the
 * baseline; `count` idle connections; the same figures again after a second.
 */
export async function memoryOnce(client: Client, kind: ConnectionKind, target: RealtimeTarget, round: number, count: number, server: ServerOptions, quietMs: number): Promise<MemoryRun> {
  const running = await startRealtimeServer(target, server);
  const base = { kind, target: target.id, round };
  try {
    await client.run({ cmd: 'hold', kind, port: portOf(running), count: 100 });
    await client.run({ cmd: 'release' });
    await sleep(500);
    if (quietMs > 0) await waitForQuiet(BUSY_PERCENT, quietMs);
    const cpuBefore = snapshotCpu();
    const from = performance.now();
    const before = await readMemory(running);
    const held = await client.run<{ opened: number; failed: number; firstError?: string; seconds: number }>({ cmd: 'hold', kind, port: portOf(running), count });
    if (held.opened === 0) return { ...base, failed: held.failed, error: `no connection opened: ${held.firstError}` };
    await sleep(1000);
    const after = await readMemory(running);
    const others = otherCpuPercent(cpuBefore, snapshotCpu(), [process.pid, client.pid, running.pid], (performance.now() - from) / 1000);
    await client.run({ cmd: 'release' });
    return {
      ...base,
      opened: held.opened,
      failed: held.failed,
      openSeconds: held.seconds,
      rssBefore: before.rss,
      rssAfter: after.rss,
      heapBefore: before.heapUsed,
      heapAfter: after.heapUsed,
      externalBefore: before.external,
      externalAfter: after.external,
      rssPerConnection: (after.rss - before.rss) / held.opened,
      heapPerConnection: (after.heapUsed - before.heapUsed) / held.opened,
      externalPerConnection: (after.external - before.external) / held.opened,
      otherCpuPercent: others,
      ...(held.failed > 0 ? { error: `${held.failed} of ${count} did not open: ${held.firstError}` } : {}),
    };
  } catch (err) {
    await client.run({ cmd: 'release' }).catch(() => undefined);
    return { ...base, error: `${(err as Error).message}\n${running.output()}` };
  } finally {
    await running.stop();
  }
}

/** The soft limit on open files of this process (its children inherit it); Infinity when unlimited or unknown. */
export function openFileLimit(): number {
  try {
    const match = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return match && match[1] !== 'unlimited' ? Number(match[1]) : Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
