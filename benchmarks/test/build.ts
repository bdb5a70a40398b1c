import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/**
 * Builds the benchmarks and the packages they import: the targets and the
 * task processes run compiled (decorator metadata needs tsc). In CI
 * everything is built before the tests (test/build-once.ts), so this is a
 * cache hit; elsewhere another test may be building at the same moment, and
 * a second build settles it.
 */
export async function buildBenchmarks(): Promise<void> {
  const build = () => run('npx', ['turbo', 'run', 'build', '--filter=fastts-benchmarks...', '--output-logs=errors-only'], { cwd: root, timeout: 120_000 });
  try {
    await build();
  } catch {
    await build();
  }
}
