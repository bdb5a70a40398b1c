import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Several test files spawn processes that run the built packages, and each
// builds what it needs first (`turbo run build --filter=...`). On a fresh
// clone, two of them building the same package at once write the same dist
// files while a third process may import them. In CI everything is built
// here, once, before any test file starts, so their builds are cache hits
// that write nothing (turbo leaves matching outputs alone).
export default function setup(): void {
  if (!process.env['CI']) return;
  const root = fileURLToPath(new URL('../', import.meta.url));
  execFileSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], { cwd: root, stdio: 'inherit' });
}
