import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';

/** Every child of a test, so that afterAll can kill what a failed test left running. */
export const children = new Set<ChildProcess>();

// Variables `npm test` hands its scripts (npm_config_local_prefix, npm_package_*, …)
// would make a child npm act on this repository; only the user's npm settings pass.
const npmSettings = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig', 'npm_config_globalconfig', 'npm_config_cafile', 'npm_config_proxy', 'npm_config_https_proxy', 'npm_config_noproxy']);

/** The environment of this process without what npm sets for its own scripts. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key) || npmSettings.has(key.toLowerCase())) env[key] = value;
  return { ...env, npm_config_update_notifier: 'false', ...extra };
}

export interface RunOptions {
  cwd: string;
  timeoutMs: number;
  env?: Record<string, string>;
}

/** Runs a command to its end (killed after `timeoutMs`); rejects with its output when it fails. */
export function run(command: string, args: string[], options: RunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { cwd: options.cwd, env: cleanEnv(options.env), timeout: options.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      children.delete(child);
      if (error) reject(new Error(`${command} ${args.join(' ')} failed in ${options.cwd}: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
    children.add(child);
  });
}

/** A port nothing listens on right now: the OS picks one for port 0, and we give it back. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Server {
  url: string;
  child: ChildProcess;
  /** What it printed so far (both streams). */
  output(): string;
  /** SIGTERM, then the exit code; SIGKILL when it has not exited within `timeoutMs`. */
  stop(timeoutMs: number): Promise<number | null>;
}

/**
 * Starts `command` with PORT set, in a process group of its own (an npm script
 * runs a shell and its children), and resolves once it answers HTTP.
 */
export async function startServer(command: string, args: string[], cwd: string, env: Record<string, string>, timeoutMs: number): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(command, args, { cwd, env: cleanEnv({ PORT: String(port), HOST: '127.0.0.1', ...env }), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.add(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const server: Server = {
    url,
    child,
    output: () => output,
    async stop(stopTimeoutMs) {
      if (child.exitCode === null && child.signalCode === null) signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), stopTimeoutMs);
      const [code] = await exited;
      clearTimeout(timer);
      // What outlived the leader (a watcher started as the signal arrived) goes too. A
      // killed process stays a member until reaped, so this stops trying after a while.
      for (let tries = 0; tries < 20 && signalGroup(child, 'SIGKILL'); tries++) await new Promise((resolve) => setTimeout(resolve, 50));
      children.delete(child);
      return code;
    },
  };
  try {
    await poll(async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited before answering (code ${child.exitCode}, signal ${child.signalCode})`);
      return fetch(url, { signal: AbortSignal.timeout(1_000) }).then(
        () => true,
        () => undefined,
      );
    }, timeoutMs, `an answer from ${url}`);
  } catch (err) {
    await server.stop(1_000);
    throw new Error(`${(err as Error).message}\n--- output ---\n${output}`);
  }
  return server;
}

/** Signals the group `child` leads (its pid is the group's id); false when no process of it is left. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): boolean {
  try {
    return process.kill(-child.pid!, signal);
  } catch {
    return false;
  }
}

/** Calls `probe` until it returns something other than undefined; rejects after `timeoutMs`. */
export async function poll<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
