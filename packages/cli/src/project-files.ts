import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The nearest package.json and tsconfig.json above `folder` (included): a change to either restarts `fastts dev`. */
export function projectFiles(folder: string): string[] {
  const found: string[] = [];
  for (const name of ['package.json', 'tsconfig.json']) {
    for (let dir = folder; ; dir = dirname(dir)) {
      const file = join(dir, name);
      if (existsSync(file)) {
        found.push(file);
        break;
      }
      if (dirname(dir) === dir) break;
    }
  }
  return found;
}
