import { parseTemplate, type Segment } from './template.js';

interface Entry<T> {
  order: number;
  methods: readonly string[];
  value: T;
  /** Parameter names in the order the matcher captures them. */
  names: string[];
}

interface Node<T> {
  statics: Map<string, Node<T>>;
  param: Node<T> | undefined;
  patterns: { segment: Extract<Segment, { kind: 'pattern' }>; node: Node<T> }[];
  /** Routes whose template ends here. */
  entries: Entry<T>[];
  /** Routes whose template ends here with a `{name:path}` segment. */
  rest: Entry<T>[];
}

interface Candidate<T> {
  entry: Entry<T>;
  captures: string[];
}

export type RouteMatch<T> =
  | { kind: 'found'; value: T; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' };

const NOT_FOUND = { kind: 'not-found' } as const;

/**
 * A segment trie with FastAPI's rule on top: of all routes whose template
 * matches the path, the one declared first wins (Starlette tries routes in
 * order). Radix routers such as find-my-way rank static segments above
 * parameters instead, which is why this one is our own.
 *
 * A path that matches only under other methods gives `method-not-allowed`
 * with the methods it does accept, for the 405 `Allow` header.
 */
export class Router<T> {
  readonly #root: Node<T> = newNode();
  #order = 0;
  readonly #staticTemplates = new Set<string>();
  // Results for paths that are literally a static template, computed once: the
  // common case (`/hello`, `/items`) then costs one Map lookup.
  readonly #staticResults = new Map<string, Candidate<T>[]>();

  add(methods: readonly string[], template: string, value: T): void {
    const { segments } = parseTemplate(template);
    let node = this.#root;
    const names: string[] = [];
    for (const segment of segments) {
      if (segment.kind === 'static') {
        let next = node.statics.get(segment.value);
        if (!next) node.statics.set(segment.value, (next = newNode()));
        node = next;
      } else if (segment.kind === 'param') {
        node = node.param ??= newNode();
        names.push(segment.name);
      } else if (segment.kind === 'pattern') {
        let found = node.patterns.find((p) => p.segment.source === segment.source);
        if (!found) node.patterns.push((found = { segment, node: newNode() }));
        node = found.node;
        names.push(...segment.names);
      } else {
        names.push(segment.name);
        node.rest.push({ order: this.#order++, methods, value, names });
        this.#staticResults.clear();
        return;
      }
    }
    node.entries.push({ order: this.#order++, methods, value, names });
    if (segments.every((s) => s.kind === 'static')) this.#staticTemplates.add(template);
    this.#staticResults.clear();
  }

  find(method: string, path: string): RouteMatch<T> {
    let candidates = this.#staticResults.get(path);
    if (candidates === undefined) {
      candidates = this.#candidates(path);
      if (this.#staticTemplates.has(path)) this.#staticResults.set(path, candidates);
    }
    if (candidates.length === 0) return NOT_FOUND;
    for (const { entry, captures } of candidates) {
      if (entry.methods.includes(method)) return { kind: 'found', value: entry.value, params: toParams(entry.names, captures) };
    }
    const allowed = new Set<string>();
    for (const { entry } of candidates) for (const m of entry.methods) allowed.add(m);
    return { kind: 'method-not-allowed', allowed: [...allowed] };
  }

  /** Every route whose template matches `path`, in declaration order. */
  #candidates(path: string): Candidate<T>[] {
    const out: Candidate<T>[] = [];
    collect(this.#root, path, 1, [], out);
    return out.length > 1 ? out.sort((a, b) => a.entry.order - b.entry.order) : out;
  }
}

function newNode<T>(): Node<T> {
  return { statics: new Map(), param: undefined, patterns: [], entries: [], rest: [] };
}

/**
 * Walks the trie along `path`'s segments, read in place: the segment at hand
 * starts at `start` (just after a '/'), and `start > path.length` means every
 * segment has been matched. No split array per request.
 */
function collect<T>(node: Node<T>, path: string, start: number, captures: string[], out: Candidate<T>[]): void {
  if (start > path.length) {
    for (const entry of node.entries) out.push({ entry, captures: captures.slice() });
    return;
  }
  if (node.rest.length > 0) {
    const remainder = decode(path.slice(start));
    for (const entry of node.rest) out.push({ entry, captures: [...captures, remainder] });
  }
  let end = path.indexOf('/', start);
  if (end === -1) end = path.length;
  const segment = decode(path.slice(start, end));
  const child = node.statics.get(segment);
  if (child) collect(child, path, end + 1, captures, out);
  if (segment === '') return;
  if (node.param) {
    captures.push(segment);
    collect(node.param, path, end + 1, captures, out);
    captures.pop();
  }
  for (const { segment: pattern, node: next } of node.patterns) {
    const m = pattern.regex.exec(segment);
    if (!m) continue;
    const groups = m.slice(1) as string[];
    collect(next, path, end + 1, [...captures, ...groups], out);
  }
}

function decode(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function toParams(names: string[], captures: string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) params[names[i]!] = captures[i]!;
  return params;
}
