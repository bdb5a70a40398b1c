import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/**
 * Loads a CommonJS dependency on first use. class-validator alone adds about
 * 20 MB to a process (validator.js, libphonenumber-js): an app that declares
 * no model, upload, file response or default logger never pays for them.
 */
export function lazy<T>(specifier: string): () => T {
  let module: T | undefined;
  return () => (module ??= load(specifier) as T);
}
