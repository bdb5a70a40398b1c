import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { fileURLToPath } from 'node:url';

const benchRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The facts every report states about where it ran. */
export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  kernel: string;
}

export function machine(): Machine {
  return { cpu: cpuModel(), cores: cpus().length, node: process.version, kernel: release() };
}

function cpuModel(): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
}

/**
 * HEAD's short hash; `+ uncommitted changes to <what>` when the measured code
 * (`packages`: their sources and package.json, not their docs) differs from it.
 */
export function commitDescription(packages: string[], what: string): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: benchRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const head = git('rev-parse', '--short', 'HEAD');
    const paths = packages.flatMap((p) => [`../packages/${p}/src`, `../packages/${p}/package.json`]);
    const dirty = git('status', '--porcelain', '--', ...paths) !== '';
    return dirty ? `${head} + uncommitted ${what} changes` : head;
  } catch {
    return 'unknown';
  }
}
