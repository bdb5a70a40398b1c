import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The built package in a real process, as a service starts: the environment
// and a .env file in its working directory are read before the server listens,
// and a bad environment ends the process with every variable named.

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/start.mjs', import.meta.url));
const secret = 'too-short-secret';
let cwd: string;

beforeAll(async () => {
  await promisify(execFile)('npx', ['turbo', 'run', 'build', '--filter=@fastts/settings', '--output-logs=errors-only'], { cwd: root });
  cwd = await mkdtemp(join(tmpdir(), 'fastts-settings-start-'));
  await writeFile(join(cwd, '.env'), `SESSION_SECRET=${secret}\nDATABASE_URL=postgres://localhost/dev\n`);
}, 120_000);

afterAll(async () => {
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

/** Runs the fixture with only `env` (the machine's own variables left out) until it exits or prints its first line. */
async function start(env: Record<string, string>) {
  const child = spawn(process.execPath, [fixture], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const exited = once(child, 'exit');
  try {
    const first = await Promise.race([once(child.stdout, 'data').then(() => 'output' as const), exited.then(() => 'exit' as const)]);
    if (first === 'output') child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    return { code, stdout, stderr };
  } finally {
    clearTimeout(killer);
  }
}

describe('a process that loads its settings before it listens', () => {
  it('exits 1 before listening, naming every bad variable and none of their values', async () => {
    const { code, stdout, stderr } = await start({ PORT: '-1', DATABASE_URL: 'mysql://db/app' });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('Settings: 3 environment variable(s) missing or invalid:');
    expect(stderr).toContain('  PORT: must not be less than 0 (min)');
    expect(stderr).toContain('  DATABASE_URL: must be a URL address (isUrl)');
    expect(stderr).toContain('  SESSION_SECRET: must be longer than or equal to 32 characters (minLength)');
    expect(stderr).toContain("code: 'FASTTS_ERR_SETTINGS_INVALID'");
    expect(stderr).not.toContain(secret);
    expect(stderr).not.toContain('mysql://db/app');
  }, 30_000);

  it('listens once the environment and its .env file are valid', async () => {
    const { stdout } = await start({ PORT: '0', SESSION_SECRET: 'a-session-secret-of-at-least-32-characters' });
    expect(stdout).toMatch(/^listening on \d+\n$/);
  }, 30_000);
});
