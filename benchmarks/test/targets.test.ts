import { beforeAll, describe, expect, it } from 'vitest';
import { buildBenchmarks } from './build.js';
import { checkServer } from '../src/harness/checks.js';
import { startServer } from '../src/harness/processes.js';
import { targets } from '../src/harness/targets.js';

// The correctness check that `npm run bench` runs before measuring, here for
// every target on each CI run, so that no target can drift into doing less
// work than the others. No load generator, no numbers: those are never asserted.

beforeAll(buildBenchmarks, 250_000);

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
