import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The files of one directory, enumerated once. A request names a file, and
 * only a name from that list is ever opened: `..`, slashes, encoded
 * separators or symlinked directories cannot reach anything else.
 */
export class AssetDir {
  readonly dir: string;
  readonly #files: Map<string, string>;

  constructor(dir: string, accept: (name: string) => boolean = () => true) {
    this.dir = dir;
    const entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile() && accept(e.name));
    this.#files = new Map(entries.map((e) => [e.name, join(dir, e.name)]));
  }

  /** The absolute path of the asset with exactly this name, if the directory has it. */
  path(name: string): string | undefined {
    return this.#files.get(name);
  }

  get names(): string[] {
    return [...this.#files.keys()];
  }
}

/** swagger-ui-dist's directory, from its `getAbsoluteFSPath()`. */
export function swaggerUiDir(): string {
  // The package's main module also loads its 1.7 MB browser bundle into Node;
  // absolute-path.js is the getAbsoluteFSPath it exports, on its own.
  const require = createRequire(import.meta.url);
  const getAbsoluteFSPath = require('swagger-ui-dist/absolute-path.js') as () => string;
  return getAbsoluteFSPath();
}

/** Swagger UI's files that the page uses, with their source maps; not its demo page pointing at the petstore. */
export const isSwaggerUiAsset = (name: string): boolean =>
  /\.(js|css|png|map)$/.test(name) && !name.startsWith('swagger-initializer') && !name.startsWith('index.');

/** ReDoc's standalone bundle, vendored with its licence (see vendor/redoc/README.md for why). */
export function redocDir(): string {
  // vendor/ sits beside src/ and dist/, so the same URL works from both.
  return fileURLToPath(new URL('../vendor/redoc/', import.meta.url));
}

export const isRedocAsset = (name: string): boolean => name === 'redoc.standalone.js';
