import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

// The default logger in a real process: JSON lines in production (and into a
// pipe), pino-pretty's lines when asked for. A child's stdout is a pipe, so
// the terminal case is FASTTS_LOG_PRETTY=1 here (prettyByDefault's unit test
// covers the terminal check). Runs core's built JS.

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/log-format.mjs', import.meta.url));
const run = promisify(execFile);

beforeAll(async () => {
  await run('npx', ['turbo', 'run', 'build', '--filter=@fastts/core', '--output-logs=errors-only'], { cwd: root });
}, 120_000);

function output(env: Record<string, string>): Promise<string> {
  const { LOG_LEVEL: _level, FASTTS_LOG_PRETTY: _pretty, NODE_ENV: _env, ...inherited } = process.env;
  return run(process.execPath, [fixture], { env: { ...inherited, ...env }, timeout: 20_000 }).then(({ stdout }) => stdout);
}

describe('the default logger', () => {
  it('writes the access line as one JSON object per line in production', async () => {
    const lines = (await output({ NODE_ENV: 'production' })).trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30, name: 'fastts', msg: expect.stringMatching(/^GET \/hello 200 \d+\.\dms$/), method: 'GET', path: '/hello', status: 200, requestId: 'fmt-1', client: '127.0.0.1' });
  }, 30_000);

  it('writes a pino-pretty line in development when asked', async () => {
    const text = await output({ NODE_ENV: 'development', FASTTS_LOG_PRETTY: '1' });
    // One line: the message says the access fields; the request id stays.
    expect(text.trim()).toMatch(/^\[[\d:.]+\] INFO \(fastts\): GET \/hello 200 \d+\.\dms \{"requestId":"fmt-1"\}$/);
  }, 30_000);
});
