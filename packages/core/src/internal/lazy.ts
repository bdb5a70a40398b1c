import { createRequire } from 'node:module';

/**
 * Loads a CommonJS dependency the CommonJS way. On node 20 an ESM `import` of
 * a CommonJS file goes through the loader's translation (which scans the
 * source for export names), and that memory stays with the process: importing
 * reflect-metadata adds about 6 MB of RSS, requiring it under 1 MB.
 */
export const requireCjs = createRequire(import.meta.url);

/**
 * Loads a CommonJS dependency on first use. class-validator alone adds about
 * 14 MB to a process (validator.js, libphonenumber-js): an app that declares
 * no model, upload, file response or default logger never pays for them.
 */
export function lazy<T>(specifier: string): () => T {
  let module: T | undefined;
  return () => (module ??= requireCjs(specifier) as T);
}

/**
 * A function exported by a CommonJS file, loaded on its first call: how
 * `@fastts/core/validators` hands out class-validator's decorators one file at
 * a time.
 */
export function lazyExport<F extends (...args: never[]) => unknown>(specifier: string, name: string): F {
  let fn: F | undefined;
  const forward = (...args: Parameters<F>) => (fn ??= (requireCjs(specifier) as Record<string, F>)[name]!)(...args);
  Object.defineProperty(forward, 'name', { value: name });
  return forward as F;
}
