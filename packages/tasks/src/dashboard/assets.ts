import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The page's policy: its own script and stylesheet, requests to its own
 * origin, nothing inline, nothing from elsewhere, and no framing.
 * `img-src data:` is for the empty favicon, which spares a request to `/favicon.ico`.
 */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// dashboard/ sits beside src/ and dist/ in the package, so the same URL works from both.
const folder = fileURLToPath(new URL('../../dashboard/', import.meta.url));

/**
 * The dashboard's files, listed once. A request names a file, and only a
 * name from that list is ever opened: `..`, slashes or encoded separators
 * reach nothing else. index.html is the page's template, not an asset.
 */
export class DashboardAssets {
  readonly #files: Map<string, string>;
  readonly #template: string;

  constructor(dir = folder) {
    const names = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile() && /\.(js|css)$/.test(e.name));
    this.#files = new Map(names.map((e) => [e.name, join(dir, e.name)]));
    this.#template = readFileSync(join(dir, 'index.html'), 'utf8');
  }

  /** The absolute path of the asset with exactly this name, if there is one. */
  path(name: string): string | undefined {
    return this.#files.get(name);
  }

  /**
   * The page served at `path`. Its links are relative to it ("./ui/assets/…"
   * for "/tasks/ui"), so the page works wherever it is mounted, behind a proxy
   * that adds a prefix too.
   */
  page(path: string): string {
    const last = path.slice(path.lastIndexOf('/') + 1);
    // "./" first: a segment such as "a:b" must not read as a URL scheme.
    const assets = last === '' ? './assets/' : `./${last}/assets/`;
    return this.#template.replaceAll('{{assets}}', escapeHtml(assets));
  }
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
