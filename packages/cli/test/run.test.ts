import { rm } from 'node:fs/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alive, buildForFixtures, Cli, fixtureApp, freePort, killAll } from './cli-process.js';

// `fastts run` and the argument checks, through the built bin.

const folders: string[] = [];
const clis: Cli[] = [];
const pids = new Set<number>();

beforeAll(buildForFixtures, 180_000);

afterEach(async () => {
  await Promise.all(clis.splice(0).map((cli) => cli.stop()));
  killAll(pids);
  pids.clear();
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

async function cliIn(args: string[], files: Record<string, string> = {}): Promise<Cli> {
  const folder = await fixtureApp(files);
  folders.push(folder);
  const cli = new Cli(args, folder);
  clis.push(cli);
  return cli;
}

const ENV_SCRIPT = `const { PORT, HOST, WEB_CONCURRENCY } = process.env;
const answer: { PORT?: string; HOST?: string; WEB_CONCURRENCY?: string; args: string[] } = { PORT, HOST, WEB_CONCURRENCY, args: process.argv.slice(2) };
console.log(JSON.stringify(answer));
process.exit(7);
`;

describe('fastts run', () => {
  it('serves a TypeScript app on --port, passes SIGTERM on and exits with its code', async () => {
    const port = await freePort();
    const cli = await cliIn(['run', 'src/main.ts', '--port', String(port)]);
    let body: Record<string, unknown> | undefined;
    for (let i = 0; i < 300 && body === undefined; i++) {
      body = await fetch(`http://127.0.0.1:${port}/sum?a=2&b=3`).then((res) => res.json() as Promise<Record<string, unknown>>, () => undefined);
      if (body === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(body).toMatchObject({ sum: 5 });
    const pid = body!['pid'] as number;
    pids.add(pid);
    cli.child.kill('SIGTERM');
    // serve() drains on SIGTERM and exits 0: the code is the app's.
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(alive(pid)).toBe(false);
  }, 60_000);

  it('serves a TypeScript app from two worker processes with --workers 2, and drains both on SIGTERM', async () => {
    const port = await freePort();
    const cli = await cliIn(['run', 'src/main.ts', '--port', String(port), '--workers', '2']);
    const seen = new Set<number>();
    // Round-robin between the workers: both answer within a bounded number of requests.
    for (let i = 0; i < 600 && seen.size < 2; i++) {
      const body = await fetch(`http://127.0.0.1:${port}/sum?a=2&b=3`).then((res) => res.json() as Promise<Record<string, unknown>>, () => undefined);
      if (body === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
      else {
        expect(body).toMatchObject({ sum: 5 });
        seen.add(body['pid'] as number);
      }
    }
    expect(seen.size).toBe(2);
    for (const pid of seen) pids.add(pid);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    for (const pid of seen) expect(alive(pid)).toBe(false);
  }, 90_000);

  it('sets PORT, HOST and WEB_CONCURRENCY, hands the arguments after -- to the app and exits with its code', async () => {
    const cli = await cliIn(['run', 'src/env.ts', '--workers', '3', '--port', '4321', '--host', '0.0.0.0', '--', '--verbose', 'x'], { 'src/env.ts': ENV_SCRIPT });
    expect(await cli.exited).toEqual({ code: 7, signal: null });
    expect(JSON.parse(cli.output.trim())).toEqual({ PORT: '4321', HOST: '0.0.0.0', WEB_CONCURRENCY: '3', args: ['--verbose', 'x'] });
  }, 60_000);

  it('runs JavaScript as it is', async () => {
    const cli = await cliIn(['run', 'plain.mjs'], { 'plain.mjs': 'console.log(typeof process.env.WEB_CONCURRENCY); process.exitCode = 3;\n' });
    expect(await cli.exited).toEqual({ code: 3, signal: null });
    expect(cli.output).toBe('undefined\n');
  }, 60_000);
});

describe('fastts arguments', () => {
  it.each([
    [['run', 'src/main.ts', '--wrokers', '2'], /unknown option --wrokers/],
    [['dev', 'src/main.ts', '--bogus'], /unknown option --bogus/],
    [['run', 'src/missing.ts'], /no such file: src\/missing\.ts/],
    [['dev'], /which file\?/],
    [['run', 'src/main.ts', '--workers', 'two'], /--workers needs a whole number from 1 to 1024, got two/],
    [['dev', 'src/main.ts', '--port', '70000'], /--port needs a whole number from 1 to 65535/],
    [['serve', 'src/main.ts'], /unknown command serve/],
    [[], /which command\?/],
  ])('fastts %j exits 2 and says why', async (args, message) => {
    const cli = await cliIn(args);
    expect(await cli.exited).toEqual({ code: 2, signal: null });
    expect(cli.output).toMatch(message);
    expect(cli.output).toContain('usage: fastts');
  }, 30_000);

  it.each([
    [['--help'], /fastts dev|dev <entry\.ts>/],
    [['dev', '--help'], /usage: fastts dev <entry\.ts>/],
    [['run', '-h'], /usage: fastts run <entry> \[--workers N\]/],
    [['worker', '--help'], /usage: fastts worker <module>/],
  ])('fastts %j prints the usage and exits 0', async (args, usage) => {
    const cli = await cliIn(args);
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.output).toMatch(usage);
  }, 30_000);
});
