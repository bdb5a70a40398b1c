import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { logLines, type LogLine } from '../../../test/log-lines.js';

// serve() in a real process: SIGTERM drains, a second SIGTERM ends the drain
// at once, and what it abandons is named in the log (it used to kill the
// process on the spot, with nothing said). Runs core's built JS.

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/serve-signals.mjs', import.meta.url));

beforeAll(async () => {
  await promisify(execFile)('npx', ['turbo', 'run', 'build', '--filter=@fastts/core', '--output-logs=errors-only'], { cwd: root });
}, 120_000);

describe('serve() and signals', () => {
  it('a second SIGTERM during the drain ends it, names the abandoned tasks and exits 1', async () => {
    const child = spawn(process.execPath, [fixture], { stdio: ['ignore', 'pipe', 'pipe'] });
    let lines: LogLine[] = [];
    const listening = new Promise<string>((resolve) => {
      lines = logLines(child.stdout, (line) => line['msg'] === 'listening' && resolve(line['url'] as string));
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    try {
      const url = await listening;
      const res = await fetch(`${url}/jobs`, { method: 'POST' });
      expect(await res.json()).toEqual({ queued: 3 });
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 300));
      child.kill('SIGTERM');
      const [code, signal] = (await exited) as [number | null, string | null];
      expect({ code, signal }).toEqual({ code: 1, signal: null });
      const report = lines.find((line) => line['msg'] === 'shutdown deadline passed; abandoning background tasks');
      expect(report?.['abandoned']).toEqual(['slowTask', 'slowTask', 'slowTask']);
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
    }
  }, 30_000);
});
