import { FastTsError } from '../errors/codes.js';
import { covers, templateKey } from './coverage.js';
import type { Pattern } from './pattern.js';
import { StringTable } from './string-table.js';
import { parseTemplate, type Segment } from './template.js';

interface Entry<T> {
  order: number;
  methods: readonly string[];
  value: T;
  /** The match of a template without parameters, built once and returned for every request. */
  found: Found<T> | undefined;
  /** Builds the params object from the captures (in the order the matcher makes them), one shape per route. */
  params: (captures: string[]) => Record<string, string>;
}

interface Found<T> {
  kind: 'found';
  value: T;
  params: Record<string, string>;
}

interface Node<T> {
  statics: StringTable<Node<T>>;
  param: Node<T> | undefined;
  patterns: { pattern: Pattern; key: string; node: Node<T> }[];
  /** Routes whose template ends here. */
  entries: Entry<T>[];
  /** Routes whose template ends here with a `{name:path}` segment. */
  rest: Entry<T>[];
}

/**
 * The routes matching a path, flat: entry, then its match with the path's
 * parameters, then the next entry... Read as pairs, so a lookup allocates no
 * object per candidate besides its match.
 */
type Candidates<T> = (Entry<T> | Found<T>)[];

/** A route as declared, kept for the checks between routes. */
interface Declared<T> {
  methods: readonly string[];
  value: T;
  template: string;
  segments: Segment[];
}

/** A route that never runs: for each of its methods, an earlier route matches every path it matches. */
export interface Shadowed<T> {
  earlier: T;
  later: T;
  /** The later route's methods that this earlier route takes. */
  methods: string[];
}

export interface RouterOptions<T> {
  /** How a route is named in errors; by default its `label` property, as the app's routes have one. */
  label?: (value: T) => string;
}

export type RouteMatch<T> =
  | Found<T>
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' };

const NOT_FOUND = { kind: 'not-found' } as const;
const NO_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * Scratch space of a lookup. `find` runs to completion without calling out,
 * so one captures list and one candidate list serve every lookup. They are
 * filled by index and never shortened: setting an array's length to 0 would
 * let V8 drop its storage, and every lookup would allocate it again.
 */
const scratch = { out: [] as unknown[], count: 0, captures: [] as string[], depth: 0, literal: false };

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
  readonly #label: (value: T) => string;
  /** Every route, in declaration order. */
  readonly #declared: Declared<T>[] = [];
  /** Routes by their template with parameter names left out. */
  readonly #byKey = new Map<string, Declared<T>[]>();
  readonly #staticTemplates = new Set<string>();
  // Results for paths that are literally a static template, computed once: the
  // common case (`/hello`, `/items`) then costs one lookup, with no hashing.
  readonly #staticResults = new StringTable<Candidates<T>>();

  constructor(options: RouterOptions<T> = {}) {
    this.#label = options.label ?? defaultLabel;
  }

  /**
   * Adds a route. Refuses (`FASTTS_ERR_ROUTE_DUPLICATE`) a method already
   * declared for the same template, parameter names aside: the route declared
   * later would never run. HEAD is left out of that check, because the app
   * adds it to every GET route and an explicit HEAD route declared before the
   * GET one takes it over; a HEAD route that can never run is reported by
   * `shadowed()` instead.
   */
  add(methods: readonly string[], template: string, value: T): void {
    const { segments } = parseTemplate(template);
    const declared: Declared<T> = { methods, value, template, segments };
    this.#refuseDuplicate(declared);
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
        // Captures are positional, so `{x}.{y}` and `{a}.{b}` share one node and one scan.
        const key = templateKey([segment]);
        let found = node.patterns.find((p) => p.key === key);
        if (!found) node.patterns.push((found = { pattern: segment.pattern, key, node: newNode() }));
        node = found.node;
        names.push(...segment.pattern.names);
      } else {
        names.push(segment.name);
        node.rest.push(newEntry(this.#order++, methods, value, names));
        this.#remember(declared);
        return;
      }
    }
    node.entries.push(newEntry(this.#order++, methods, value, names));
    if (segments.every((s) => s.kind === 'static')) this.#staticTemplates.add(template);
    this.#remember(declared);
  }

  /**
   * The routes that never run because routes declared before them take every
   * path and method they would answer: `/users/{id}` declared before
   * `/users/me` takes `/users/me`, since the route declared first wins. One
   * entry per earlier route involved. Worked out on each call, once all
   * routes are added; it compares every pair of routes.
   *
   * Sound, not complete: only an earlier route that matches every path of the
   * later one counts (see `covers`), so two earlier routes that each take part
   * of its paths are not seen, nor a later route that still answers one of its
   * methods.
   */
  shadowed(): Shadowed<T>[] {
    const out: Shadowed<T>[] = [];
    const declared = this.#declared;
    for (let j = 1; j < declared.length; j++) {
      const later = declared[j]!;
      const takers: Shadowed<T>[] = [];
      const taken = new Set<string>();
      for (let i = 0; i < j; i++) {
        const earlier = declared[i]!;
        const methods = later.methods.filter((m) => earlier.methods.includes(m));
        if (methods.length === 0 || !covers(earlier.segments, later.segments)) continue;
        takers.push({ earlier: earlier.value, later: later.value, methods });
        for (const m of methods) taken.add(m);
      }
      if (later.methods.every((m) => taken.has(m))) out.push(...takers);
    }
    return out;
  }

  #refuseDuplicate(route: Declared<T>): void {
    const key = templateKey(route.segments);
    for (const earlier of this.#byKey.get(key) ?? []) {
      const method = route.methods.find((m) => m !== 'HEAD' && earlier.methods.includes(m));
      if (method !== undefined) {
        throw new FastTsError('FASTTS_ERR_ROUTE_DUPLICATE', this.#label(route.value), method, route.template, this.#label(earlier.value), earlier.template);
      }
    }
  }

  #remember(route: Declared<T>): void {
    this.#declared.push(route);
    const key = templateKey(route.segments);
    const same = this.#byKey.get(key);
    if (same) same.push(route);
    else this.#byKey.set(key, [route]);
    this.#staticResults.clear();
  }

  find(method: string, path: string): RouteMatch<T> {
    let candidates = this.#staticResults.get(path);
    let count: number;
    if (candidates === undefined) {
      count = this.#collect(path);
      candidates = scratch.out as Candidates<T>;
      // Kept and shared by every request for this path: its matches' params are frozen.
      // Only a path that matched a template without parameters can be one.
      if (scratch.literal && this.#staticTemplates.has(path)) {
        for (let i = 1; i < count; i += 2) Object.freeze((candidates[i] as Found<T>).params);
        this.#staticResults.set(path, candidates.slice(0, count));
      }
    } else count = candidates.length;
    if (count === 0) return NOT_FOUND;
    for (let i = 0; i < count; i += 2) {
      if (accepts((candidates[i] as Entry<T>).methods, method)) return candidates[i + 1] as Found<T>;
    }
    const allowed = new Set<string>();
    for (let i = 0; i < count; i += 2) for (const m of (candidates[i] as Entry<T>).methods) allowed.add(m);
    return { kind: 'method-not-allowed', allowed: [...allowed] };
  }

  /** Puts every route whose template matches `path` in `scratch.out`, in declaration order; returns how many slots it filled. */
  #collect(path: string): number {
    scratch.count = 0;
    scratch.depth = 0;
    scratch.literal = false;
    collect(this.#root, path, 1);
    const count = scratch.count;
    if (count > 2) sortPairs(scratch.out as Candidates<T>, count);
    return count;
  }
}

function defaultLabel(value: unknown): string {
  const label = typeof value === 'object' && value !== null ? (value as { label?: unknown }).label : undefined;
  return typeof label === 'string' ? label : String(value);
}

function newEntry<T>(order: number, methods: readonly string[], value: T, names: string[]): Entry<T> {
  return { order, methods, value, found: names.length === 0 ? { kind: 'found', value, params: NO_PARAMS } : undefined, params: paramsBuilder(names) };
}

/**
 * `(c) => ({ item_id: c[0], ... })`, compiled once per route: an object
 * literal has one shape from the start, where filling `{}` under names read
 * from a list goes through V8's generic keyed store on every request. Names
 * are identifiers (the template parser allows no others) and are written as
 * JSON strings all the same.
 *
 * Generated from source text because it measured faster than the plain loop
 * beyond the noise: benchmarks/micro/params-builder.mjs, 11.8 against 13.9 ns
 * for one route (noise 3.8%) and 22.9 against 48.0 ns over six routes (noise
 * 7.3%); see benchmarks/micro/README.md. Per request at GET /items/{item_id}
 * that is below callgrind's noise (+0.3% for the loop).
 */
function paramsBuilder(names: readonly string[]): (captures: string[]) => Record<string, string> {
  // `__proto__: v` in a literal would set the prototype; a computed key defines the property.
  const fields = names.map((name, i) => (name === '__proto__' ? `["__proto__"]: c[${i}]` : `${JSON.stringify(name)}: c[${i}]`)).join(', ');
  return new Function('c', `return { ${fields} };`) as (captures: string[]) => Record<string, string>;
}

/** `methods.includes(method)`, for the two or three methods a route has. */
function accepts(methods: readonly string[], method: string): boolean {
  for (let i = 0; i < methods.length; i++) if (methods[i] === method) return true;
  return false;
}

/** Sorts (entry, match) pairs by declaration order; insertion sort, as there are a handful at most. */
function sortPairs<T>(out: Candidates<T>, count: number): void {
  for (let i = 2; i < count; i += 2) {
    const entry = out[i] as Entry<T>;
    const found = out[i + 1]!;
    let j = i - 2;
    for (; j >= 0 && (out[j] as Entry<T>).order > entry.order; j -= 2) {
      out[j + 2] = out[j]!;
      out[j + 3] = out[j + 1]!;
    }
    out[j + 2] = entry;
    out[j + 3] = found;
  }
}

function newNode<T>(): Node<T> {
  return { statics: new StringTable(), param: undefined, patterns: [], entries: [], rest: [] };
}

/**
 * Walks the trie along `path`'s segments, read in place: the segment at hand
 * starts at `start` (just after a '/'), and `start > path.length` means every
 * segment has been matched. No split array per request.
 */
function collect<T>(node: Node<T>, path: string, start: number): void {
  if (start > path.length) {
    for (const entry of node.entries) {
      if (entry.found !== undefined) scratch.literal = true;
      pushMatch(entry, entry.found ?? { kind: 'found', value: entry.value, params: entry.params(scratch.captures) });
    }
    return;
  }
  const depth = scratch.depth;
  if (node.rest.length > 0) {
    scratch.captures[scratch.depth++] = decode(path.slice(start));
    for (const entry of node.rest) pushMatch(entry, { kind: 'found', value: entry.value, params: entry.params(scratch.captures) });
    scratch.depth = depth;
  }
  let end = path.indexOf('/', start);
  if (end === -1) end = path.length;
  const segment = decode(path.slice(start, end));
  const child = node.statics.get(segment);
  if (child) collect(child, path, end + 1);
  if (segment === '') return;
  if (node.param) {
    scratch.captures[scratch.depth++] = segment;
    collect(node.param, path, end + 1);
    scratch.depth = depth;
  }
  for (const { pattern, node: next } of node.patterns) {
    const count = pattern.match(segment, scratch.captures, depth);
    if (count < 0) continue;
    scratch.depth = depth + count;
    collect(next, path, end + 1);
    scratch.depth = depth;
  }
}

function pushMatch<T>(entry: Entry<T>, match: Found<T>): void {
  scratch.out[scratch.count++] = entry;
  scratch.out[scratch.count++] = match;
}

function decode(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
