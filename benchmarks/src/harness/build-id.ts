import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const coreDist = fileURLToPath(new URL('../../../packages/core/dist', import.meta.url));

/**
 * A short id of the @fastts/core build on disk (names, sizes and mtimes of
 * packages/core/dist). Others may rebuild core while a benchmark runs; each
 * run records the build it loaded, and the report says when they differ.
 */
export function coreBuildId(): string {
  const hash = createHash('sha1');
  try {
    for (const entry of readdirSync(coreDist, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
      const path = join(entry.parentPath, entry.name);
      const { size, mtimeMs } = statSync(path);
      hash.update(`${path}\0${size}\0${mtimeMs}\n`);
    }
  } catch {
    return 'missing';
  }
  return hash.digest('hex').slice(0, 10);
}
