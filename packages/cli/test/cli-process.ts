import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// What the CLI tests share: the build, a fixture app written into a temporary
// folder inside the package (gitignored: test/tmp-*), so that it resolves
// @fastts/* from the repository's node_modules as an app resolves them from
// its own, and the built bin run in a real process.

export const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../bin/fastts.mjs', import.meta.url));

/** Builds the CLI and what the fixtures import (core, openapi, tasks, tasks-sqlite). */
export async function buildForFixtures(): Promise<void> {
  const filters = ['@fastts/cli', '@fastts/tasks-sqlite'].map((name) => `--filter=${name}`);
  await promisify(execFile)('npx', ['turbo', 'run', 'build', ...filters, '--output-logs=errors-only'], { cwd: root });
}

/**
 * A folder with a fastts app in TypeScript: `GET /sum?a=2&b=3` answers
 * `{ sum: 5 }` only when the compiler kept the decorator metadata (the
 * `number` of each @Query parameter); without it fastts refuses to start
 * (FASTTS_ERR_NO_DESIGN_TYPES). main.ts imports `./app.js`, which is app.ts.
 */
export async function fixtureApp(files: Record<string, string> = {}): Promise<string> {
  const folder = await mkdtemp(join(fileURLToPath(new URL('./', import.meta.url)), 'tmp-'));
  const all: Record<string, string> = {
    'package.json': '{ "type": "module", "private": true }\n',
    'src/app.ts': sumApp('sum: a + b'),
    'src/main.ts': [`import { serve } from '@fastts/core';`, `import { createApp } from './app.js';`, '', 'await serve(createApp());', ''].join('\n'),
    ...files,
  };
  for (const [name, text] of Object.entries(all)) {
    await mkdir(dirname(join(folder, name)), { recursive: true });
    await writeFile(join(folder, name), text);
  }
  return folder;
}

/** app.ts with `answer` as the body of the /sum route's object. */
export function sumApp(answer: string): string {
  return `import { App, Controller, Get, Query } from '@fastts/core';
import { serveDocs } from '@fastts/openapi';

@Controller()
class SumController {
  @Get('/sum')
  sum(@Query('a') a: number, @Query('b') b: number) {
    return { ${answer}, pid: process.pid };
  }
}

export function createApp(): App {
  return serveDocs(new App({ logger: false }).include(SumController), { title: 'Sums', version: '1.0.0' });
}
`;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The built `fastts` bin in a process of its own, its stdout and stderr (the app's too) collected. */
export class Cli {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: readonly string[], cwd: string) {
    this.child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = once(this.child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  }

  /** Waits until `pattern` has appeared `count` times in the output; fails with the output after `timeoutMs`. */
  async waitFor(pattern: RegExp, count = 1, timeoutMs = 30_000): Promise<void> {
    const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
    const deadline = Date.now() + timeoutMs;
    while ((this.output.match(global)?.length ?? 0) < count) {
      if (Date.now() > deadline) throw new Error(`no ${count}× ${pattern} within ${timeoutMs} ms; output:\n${this.output}`);
      if (this.child.exitCode !== null) throw new Error(`the CLI exited (${this.child.exitCode}) before ${count}× ${pattern}; output:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Clean-up: Ctrl-C, then SIGKILL if it has not exited within 10 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Clean-up of app processes a failed test may leave (they lead their own process group). */
export function killAll(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

/** Whether a process with this id still exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
