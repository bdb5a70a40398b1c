import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alive, buildForFixtures, Cli, fixtureApp, freePort, killAll, sumApp } from './cli-process.js';

// `fastts dev` on a real TypeScript app: the built bin, a real child process
// compiled by the SWC loader, real file edits and real requests.

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

async function startDev(): Promise<{ cli: Cli; folder: string; url: string }> {
  const folder = await fixtureApp();
  folders.push(folder);
  const port = await freePort();
  const cli = new Cli(['dev', 'src/main.ts', '--port', String(port)], folder);
  clis.push(cli);
  return { cli, folder, url: `http://127.0.0.1:${port}` };
}

async function sum(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/sum?a=2&b=3`);
  const body = (await res.json()) as Record<string, unknown>;
  if (typeof body['pid'] === 'number') pids.add(body['pid']);
  return { status: res.status, body };
}

describe('fastts dev', () => {
  it('serves the app with its decorator metadata, prints the URL and the docs URL, and restarts it on an edit', async () => {
    const { cli, folder, url } = await startDev();
    await cli.waitFor(/serving on/);
    expect(cli.output).toContain(`fastts dev: serving on ${url}\n`);
    await cli.waitFor(/docs at/);
    expect(cli.output).toContain(`fastts dev: docs at ${url}/docs\n`);
    const first = await sum(url);
    // 2 + 3, not '23': the @Query parameters were read as numbers from design:paramtypes.
    expect(first).toMatchObject({ status: 200, body: { sum: 5 } });
    expect((await fetch(`${url}/docs`)).status).toBe(200);

    await writeFile(join(folder, 'src/app.ts'), sumApp('sum: a + b, edited: true'));
    await cli.waitFor(/serving on/, 2);
    const second = await sum(url);
    expect(second).toMatchObject({ status: 200, body: { sum: 5, edited: true } });
    expect(second.body['pid']).not.toBe(first.body['pid']);
    expect(alive(first.body['pid'] as number)).toBe(false);
  }, 120_000);

  it('shows a syntax error, stays alive, and serves again once the file is fixed', async () => {
    const { cli, folder, url } = await startDev();
    await cli.waitFor(/serving on/);
    await writeFile(join(folder, 'src/app.ts'), sumApp('sum: a + b,,'));
    await cli.waitFor(/waiting for a change/);
    expect(cli.output).toContain('cannot compile');
    expect(cli.output).toMatch(/src[\\/]app\.ts:8/);
    expect(cli.child.exitCode).toBe(null);
    await expect(fetch(`${url}/sum?a=2&b=3`)).rejects.toThrow();

    await writeFile(join(folder, 'src/app.ts'), sumApp('sum: a + b, fixed: true'));
    await cli.waitFor(/serving on/, 2);
    expect(await sum(url)).toMatchObject({ status: 200, body: { sum: 5, fixed: true } });
  }, 120_000);

  it('stops the app on SIGINT and exits 0, leaving no process of the app', async () => {
    const { cli, url } = await startDev();
    await cli.waitFor(/serving on/);
    const { body } = await sum(url);
    const pid = body['pid'] as number;
    expect(alive(pid)).toBe(true);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(alive(pid)).toBe(false);
  }, 120_000);
});
