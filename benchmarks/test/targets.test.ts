import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkServer } from '../src/harness/checks.js';
import { startServer } from '../src/harness/processes.js';
import { targets } from '../src/harness/targets.js';

// The correctness check that `npm run bench` runs before measuring, here for
// every target on each CI run, so that no target can drift into doing less
// work than the others. No load generator, no numbers: those are never asserted.

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

beforeAll(async () => {
  // The targets run compiled (decorator metadata needs tsc) against the built @fastts/core.
  const build = () => run('npx', ['turbo', 'run', 'build', '--filter=fastts-benchmarks...', '--output-logs=errors-only'], { cwd: root, timeout: 120_000 });
  try {
    await build();
  } catch {
    // Another test may be building @fastts/core at the same moment; a second build settles it.
    await build();
  }
}, 250_000);

describe('every benchmark target answers every scenario correctly', () => {
  for (const target of targets) {
    it(target.id, async () => {
      const server = await startServer(target.file, { startTimeoutMs: 20_000, env: target.env });
      try {
        expect(await checkServer(target, server.url)).toEqual([]);
      } finally {
        await server.stop();
      }
    });
  }
});
