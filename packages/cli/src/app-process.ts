import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { once } from 'node:events';

/** Own process group on POSIX: see startApp. Windows has no process groups. */
const GROUPS = process.platform !== 'win32';

export interface AppProcessOptions {
  entry: string;
  appArgs: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Run .ts through the SWC loader hooks; plain .js runs without them, as node would run it. */
  typescript: boolean;
  stdin: 'inherit' | 'ignore';
}

/** Whether a file is run through the loader: TypeScript sources, not JavaScript. */
export function isTypeScript(file: string): boolean {
  return /\.(?:ts|mts|tsx)$/.test(file);
}

/**
 * Starts `node [--import @fastts/cli/register] entry` with this process's
 * stdout and stderr, so that the app's logger sees the terminal and prints as
 * it would alone. The child leads its own process group: a Ctrl-C in the
 * terminal reaches only the CLI, which then sends one signal to the app (the
 * terminal would send it to both, and serve() takes a second signal as "stop
 * draining now"), and the group lets the CLI kill what the app started (a
 * node:cluster primary's workers) when it must.
 */
export function startApp(options: AppProcessOptions): ChildProcess {
  const flags = ['--enable-source-maps'];
  if (options.typescript) flags.push('--import', new URL('./register.js', import.meta.url).href);
  const stdio: StdioOptions = [options.stdin, 'inherit', 'inherit'];
  return spawn(process.execPath, [...flags, options.entry, ...options.appArgs], { stdio, env: options.env, detached: GROUPS });
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Sends a signal to the app's whole process group (its workers too); nothing when it is gone. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    if (GROUPS) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // ESRCH: the group has ended already.
  }
}

/**
 * Stops the app as a process manager does: SIGTERM (serve() drains and
 * exits), then SIGKILL to its group after `timeoutMs` if it still runs.
 * Resolves once it has exited and nothing of its group is left.
 */
export async function stopApp(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (isRunning(child)) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
  // A worker the app started and did not stop would keep the port.
  signalGroup(child, 'SIGKILL');
}
