import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Every code snippet in the user guide (docs/), the top-level README and the
// package READMEs is a copy of a file that CI compiles and runs, so a snippet
// cannot show code that no longer works (STYLE.md, habit 14). The page names
// the file on the first line after the snippet, "From `path`"; the test finds
// the snippet's lines there, one after another, shifted by at most a constant
// indentation. A snippet that is not a copy (a signature, say) says so on the
// line before its fence: <!-- not a copy: why -->. Files named in the prose
// (`packages/...`, `examples/...`, a package README's `src/...`) must exist.

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Fence languages whose snippets must be copies; shell commands and output are written by hand. */
const CHECKED = new Set(['ts', 'typescript', 'js', 'json']);

/** Files CI compiles or runs: sources, tests, examples and the configuration they run with. */
const RUN_BY_CI = /^(packages\/[^/]+\/(src|test|worker)\/|examples\/[^/]+\/(src|test)\/|benchmarks\/(src|test)\/|test\/pack\/app\/|vitest\.config\.ts$|tsconfig\.base\.json$)/;

const NOT_A_COPY = /^<!-- not a copy: .+ -->$/;

interface Snippet {
  page: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string[];
  /** The file named after the snippet. */
  source: string | undefined;
  /** Marked as not a copy. */
  exempt: boolean;
}

function pages(): string[] {
  const docs = readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name.replaceAll('\\', '/')}`);
  const readmes = readdirSync(join(root, 'packages'))
    .map((pkg) => `packages/${pkg}/README.md`)
    .filter((path) => existsSync(join(root, path)));
  return ['README.md', ...readmes, ...docs.sort()];
}

/** The fenced blocks of a page in a checked language, with the file each names. */
function snippets(page: string, text: string): Snippet[] {
  const lines = text.split('\n');
  const found: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    const end = lines.findIndex((l, j) => j > i && l.startsWith(indent!) && l.trim() === fence);
    if (end === -1) throw new Error(`${page}:${i + 1}: the fence is never closed`);
    if (CHECKED.has(lang!)) {
      let before = i - 1;
      while (before >= 0 && lines[before]!.trim() === '') before--;
      let after = end + 1;
      while (after < lines.length && lines[after]!.trim() === '') after++;
      const named = /^From `([^`]+)`/.exec(lines[after]?.trim() ?? '');
      const exempt = before >= 0 && NOT_A_COPY.test(lines[before]!.trim());
      found.push({ page, line: i + 1, lang: lang!, code: lines.slice(i + 1, end), source: named?.[1], exempt });
    }
    i = end;
  }
  return found;
}

const leading = (line: string) => line.length - line.trimStart().length;

/** Whether `code` appears in `file` as consecutive lines, all shifted by one indentation. */
function appearsIn(code: string[], file: string[]): boolean {
  const body = code.filter((l) => l.trim() !== '');
  const dedent = Math.min(...body.map(leading));
  const want = code.map((l) => (l.trim() === '' ? '' : l.slice(dedent).trimEnd()));
  const first = want.findIndex((l) => l !== '');
  for (let start = 0; start + want.length <= file.length; start++) {
    const anchor = file[start + first]!;
    if (anchor.trim() !== want[first]) continue;
    const shift = anchor.slice(0, leading(anchor));
    if (want.every((l, k) => (l === '' ? file[start + k]!.trim() === '' : file[start + k]!.trimEnd() === shift + l))) return true;
  }
  return false;
}

const all = pages().flatMap((page) => snippets(page, readFileSync(join(root, page), 'utf8')));

describe('docs snippets', () => {
  it('reads every page, and every fence in a checked language on it', () => {
    expect(all.length).toBeGreaterThan(0);
    for (const page of pages()) {
      const text = readFileSync(join(root, page), 'utf8');
      const fences = text.split('\n').filter((l) => /^\s*`{3,}(ts|typescript|js|json)\s*$/.test(l)).length;
      expect(all.filter((s) => s.page === page).length, page).toBe(fences);
    }
  });

  it('keeps the snippets that are not copies rare', () => {
    const exempt = all.filter((s) => s.exempt).map((s) => `${s.page}:${s.line}`);
    expect(exempt.length, exempt.join(', ')).toBeLessThanOrEqual(3);
  });

  it('names only files that exist', () => {
    const missing: string[] = [];
    for (const page of pages()) {
      // A package README names its own files from the package's folder.
      const base = page.startsWith('packages/') ? page.slice(0, page.lastIndexOf('/') + 1) : '';
      for (const [, path] of readFileSync(join(root, page), 'utf8').matchAll(/`([^`\s]+)`/g)) {
        if (/[<>*…{}]/.test(path!)) continue;
        const full = /^(packages|examples|benchmarks)\//.test(path!) ? path! : base && /^(src|test|worker|vendor|scripts)\//.test(path!) ? base + path! : undefined;
        if (full !== undefined && !existsSync(join(root, full))) missing.push(`${page}: ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it.each(all.filter((s) => !s.exempt).map((s) => [`${s.page}:${s.line} from ${s.source ?? '(no file named)'}`, s] as const))('%s', (_name, s) => {
    const source = s.source;
    if (source === undefined) expect.fail(`${s.page}:${s.line}: a ${s.lang} snippet needs "From \`path\`" after it, or <!-- not a copy: why --> before it`);
    expect(relative(root, join(root, source)).replaceAll('\\', '/'), 'a file CI compiles or runs').toMatch(RUN_BY_CI);
    expect(existsSync(join(root, source)), `${source} exists`).toBe(true);
    const file = readFileSync(join(root, source), 'utf8').split('\n');
    expect(appearsIn(s.code, file), `${s.page}:${s.line}: the snippet is not a copy of ${source}:\n${s.code.join('\n')}`).toBe(true);
  });
});
