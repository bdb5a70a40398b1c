import { watch, readdirSync, statSync, type FSWatcher } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';

/** Folders that are never sources: dependencies, build output, version control. */
const IGNORED = new Set(['node_modules', 'dist', '.git']);
/** Files whose change restarts the app. Others (logs, SQLite files, an editor's swap files) do not: an app writing into its own folder would restart itself forever. */
const SOURCE = /\.(?:[cm]?[jt]sx?|json)$/;
/** macOS and Windows watch a tree natively; see watchTree. */
const NATIVE_RECURSIVE = process.platform === 'darwin' || process.platform === 'win32';

export interface Watch {
  close(): void;
}

/**
 * Calls `onChange(file)` when a source file under `folder` changes (outside
 * node_modules, dist and .git), or when one of `files` changes (the
 * project's package.json and tsconfig.json, which usually sit above it).
 */
export function watchSources(folder: string, files: readonly string[], onChange: (file: string) => void): Watch {
  const tree = watchTree(folder, onChange);
  const watchers: FSWatcher[] = [];
  const outside = files.filter((file) => !file.startsWith(folder + sep));
  // Watched through their folder: editors save by writing a new file and renaming it, which ends a watch on the file itself.
  for (const parent of new Set(outside.map(dirname))) {
    const names = new Set(outside.filter((file) => dirname(file) === parent).map((file) => basename(file)));
    const watcher = watch(parent, (_event, name) => {
      if (name !== null && names.has(name)) onChange(join(parent, name));
    });
    watcher.on('error', () => watcher.close());
    watchers.push(watcher);
  }
  return {
    close() {
      tree.close();
      for (const watcher of watchers) watcher.close();
    },
  };
}

function ignored(relative: string): boolean {
  return relative.split(/[\\/]/).some((segment) => IGNORED.has(segment));
}

/**
 * fs.watch over a tree. On Linux, Node 20's `recursive: true` is emulated in
 * JavaScript with one watcher per file and folder found, node_modules
 * included (lib/internal/fs/recursive_watch.js): thousands of inotify watches
 * for an entry beside node_modules. Here each folder gets one watcher and the
 * ignored folders none; folders created later are added when they appear.
 */
function watchTree(root: string, onChange: (file: string) => void): Watch {
  if (NATIVE_RECURSIVE) {
    return watch(root, { recursive: true }, (_event, name) => {
      if (name !== null && !ignored(name) && SOURCE.test(name)) onChange(join(root, name));
    });
  }
  const watchers = new Map<string, FSWatcher>();
  const add = (folder: string) => {
    if (watchers.has(folder)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(folder, (_event, name) => {
        if (name === null) return;
        const path = join(folder, name);
        if (IGNORED.has(name)) return;
        if (SOURCE.test(name)) onChange(path);
        else if (isFolder(path)) {
          add(path);
          // A folder moved in brings its files with it.
          onChange(path);
        }
      });
    } catch {
      return; // removed meanwhile
    }
    // A removed folder ends its watcher with an error (or EPERM on some systems).
    watcher.on('error', () => {
      watcher.close();
      watchers.delete(folder);
    });
    watchers.set(folder, watcher);
    for (const entry of readdirSafe(folder)) {
      if (entry.isDirectory() && !IGNORED.has(entry.name)) add(join(folder, entry.name));
    }
  };
  add(root);
  return {
    close() {
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function readdirSafe(folder: string) {
  try {
    return readdirSync(folder, { withFileTypes: true });
  } catch {
    return [];
  }
}
