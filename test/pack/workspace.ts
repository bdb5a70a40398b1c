import { cp, mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** A package of packages/ that is published (not `private`). */
export interface Publishable {
  /** Its folder name under packages/. */
  folder: string;
  name: string;
  version: string;
  manifest: PackageManifest;
}

export interface PackageManifest {
  name: string;
  version: string;
  private?: boolean;
  exports?: Exports;
  files?: string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

type Exports = string | { [conditionOrSubpath: string]: Exports } | null;

/** The publishable packages, core first: the others compile against its declarations. */
export async function publishablePackages(root: string): Promise<Publishable[]> {
  const found: Publishable[] = [];
  for (const folder of (await readdir(join(root, 'packages'))).sort()) {
    const file = join(root, 'packages', folder, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(await readFile(file, 'utf8')) as PackageManifest;
    if (!manifest.private) found.push({ folder, name: manifest.name, version: manifest.version, manifest });
  }
  return found.sort((a, b) => Number(b.name === '@fastts/core') - Number(a.name === '@fastts/core'));
}

/** What `exports` offers: each subpath (`.`, `./validators`, …) with every file its conditions point at. */
export function exportedSubpaths(manifest: PackageManifest): Map<string, string[]> {
  const subpaths = new Map<string, string[]>();
  const exports = manifest.exports;
  if (exports === undefined || exports === null) return subpaths;
  const keys = typeof exports === 'object' ? Object.keys(exports) : [];
  if (typeof exports === 'string' || !keys.every((key) => key.startsWith('.'))) subpaths.set('.', targets(exports));
  else for (const key of keys) subpaths.set(key, targets(exports[key]!));
  return subpaths;
}

function targets(value: Exports): string[] {
  if (value === null) return [];
  if (typeof value === 'string') return [value];
  return Object.values(value).flatMap(targets);
}

/** The import specifier of a subpath: `@fastts/core` for `.`, `@fastts/core/validators` for `./validators`. */
export const specifier = (name: string, subpath: string): string => (subpath === '.' ? name : `${name}${subpath.slice(1)}`);

// What a clean clone lacks (or never ships): build output and installs.
const notInAClone = new Set(['dist', 'node_modules', '.turbo']);

/**
 * Copies the publishable packages (without dist/) and the base tsconfig into
 * `dest`, with a node_modules whose entries link to the repo's installed ones,
 * except `@fastts/*`, which link to the copies. `npm pack` there builds as in a
 * fresh clone, and never rewrites the repo's dist/ while other tests (the
 * examples' `turbo run build`) read it.
 */
export async function snapshotWorkspace(root: string, dest: string, packages: Publishable[]): Promise<void> {
  await cp(join(root, 'tsconfig.base.json'), join(dest, 'tsconfig.base.json'));
  for (const { folder } of packages) {
    const from = join(root, 'packages', folder);
    await cp(from, join(dest, 'packages', folder), {
      recursive: true,
      filter: (path) => {
        const top = relative(from, path).split(sep)[0]!;
        return !notInAClone.has(top) && !path.endsWith('.tsbuildinfo');
      },
    });
    // A package's own nested installs (a version that differs from the hoisted one).
    const nested = join(from, 'node_modules');
    if (existsSync(nested)) await symlink(nested, join(dest, 'packages', folder, 'node_modules'), 'dir');
  }
  const modules = join(root, 'node_modules');
  await mkdir(join(dest, 'node_modules', '@fastts'), { recursive: true });
  for (const entry of await readdir(modules)) {
    if (entry !== '@fastts') await symlink(join(modules, entry), join(dest, 'node_modules', entry));
  }
  for (const { folder, name } of packages) await symlink(join(dest, 'packages', folder), join(dest, 'node_modules', name), 'dir');
}
