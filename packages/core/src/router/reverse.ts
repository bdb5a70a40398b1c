import { parseTemplate } from './template.js';

/**
 * Reverse routing (Starlette's `url_path_for`): a route's name and its path
 * parameters back to a path. Templates are compiled once, when the app
 * compiles its routes; nothing here runs unless `urlPathFor` or `urlFor` is
 * called.
 */

/** A path parameter's value; numbers, bigints and booleans are written with `String()`. */
export type PathParamValue = string | number | bigint | boolean;

/** The path parameters given to `urlPathFor` and `urlFor`, by name. */
export type PathParams = Readonly<Record<string, PathParamValue>>;

/** What a name resolves to: the path, and whether the route is a WebSocket route (`urlFor` then gives `ws:` or `wss:`). */
export interface UrlPath {
  path: string;
  websocket: boolean;
}

/** A route of the app, as the table needs it (a `RouteInfo`). */
export interface NamedRoute {
  label: string;
  path: string;
  kind: 'http' | 'websocket';
  options: { name?: string };
  propertyKey: string | symbol;
}

/** A mount of the app, as the table needs it. */
export interface NamedMount {
  /** Normalised: starts with `/`, no trailing `/`. */
  path: string;
  name: string | undefined;
  /** A mounted fastts app's table; undefined for a node:http handler, which has no routes to name. */
  names: (() => RouteNames) | undefined;
}

/** Why a name gave no path, one line per route or mount of that name. */
interface Candidate {
  label: string;
  path: string;
  names: readonly string[];
  /** The parameters given were the ones it takes, but one of them was empty. */
  empty: string | undefined;
}

/**
 * An app's routes by name, and its mounts, for `urlPathFor`. As Starlette's
 * router, routes are tried in the order they were registered and the first
 * with that name whose parameters are exactly the ones given wins; then the
 * mounts, in the order they were added: a named mount answers its own name
 * with `{ path }` (a static-files mount: `'static'`, `{ path: '/css/a.css' }`)
 * and `'<mount name>:<name>'` with the mounted app's route; a mount without a
 * name passes every name on to its app.
 */
export class RouteNames {
  readonly #byName = new Map<string, { label: string; builder: PathBuilder; websocket: boolean }[]>();
  readonly #mounts: readonly NamedMount[];

  constructor(routes: readonly NamedRoute[], mounts: readonly NamedMount[]) {
    for (const route of routes) {
      // Starlette's default name is the endpoint's: here the handler method's (a symbol-keyed one has none).
      const name = route.options.name ?? (typeof route.propertyKey === 'string' ? route.propertyKey : undefined);
      if (name === undefined) continue;
      const entry = { label: route.label, builder: new PathBuilder(route.path), websocket: route.kind === 'websocket' };
      const same = this.#byName.get(name);
      if (same) same.push(entry);
      else this.#byName.set(name, [entry]);
    }
    this.#mounts = mounts;
  }

  /** The path for `name` and `params`, or undefined when no route or mount takes them. */
  find(name: string, params: PathParams): UrlPath | undefined {
    for (const route of this.#byName.get(name) ?? []) {
      if (!route.builder.takes(params)) continue;
      const path = route.builder.build(params);
      if (path !== undefined) return { path, websocket: route.websocket };
    }
    for (const mount of this.#mounts) {
      if (mount.name !== undefined && name === mount.name) {
        // Starlette's Mount: the mount's own name takes `path` alone, its leading slashes dropped.
        if (takesOnly(params, ['path'])) return { path: `${mount.path}/${encodeRest(String(params['path']).replace(/^\/+/, ''))}`, websocket: false };
        continue;
      }
      const inner = innerName(mount, name);
      if (inner === undefined) continue;
      const found = mount.names!().find(inner, params);
      if (found !== undefined) return { path: mount.path + found.path, websocket: found.websocket };
    }
    return undefined;
  }

  /** Why `find` gave nothing, for the error: what each route or mount of that name takes. */
  explain(name: string, params: PathParams): string {
    const candidates = this.#candidates(name, params, '');
    if (candidates.length === 0) return 'no route or mount has that name';
    return candidates
      .map((c) => `${c.label} (${c.path}) takes {${c.names.join(', ')}}${c.empty === undefined ? '' : `, and '${c.empty}' is empty`}`)
      .join('; ');
  }

  #candidates(name: string, params: PathParams, prefix: string): Candidate[] {
    const out: Candidate[] = [];
    for (const route of this.#byName.get(name) ?? []) {
      const { names } = route.builder;
      const empty = route.builder.takes(params) ? route.builder.emptyParam(params) : undefined;
      out.push({ label: route.label, path: prefix + route.builder.template, names, empty });
    }
    for (const mount of this.#mounts) {
      if (mount.name !== undefined && name === mount.name) {
        out.push({ label: 'the mount', path: `${prefix}${mount.path}/{path:path}`, names: ['path'], empty: undefined });
        continue;
      }
      const inner = innerName(mount, name);
      if (inner !== undefined) out.push(...mount.names!().#candidates(inner, params, prefix + mount.path));
    }
    return out;
  }
}

/** The name to look up in a mounted app: all of it under a mount without a name, the part after `<mount name>:` under a named one. */
function innerName(mount: NamedMount, name: string): string | undefined {
  if (mount.names === undefined) return undefined;
  if (mount.name === undefined) return name;
  return name.startsWith(`${mount.name}:`) ? name.slice(mount.name.length + 1) : undefined;
}

/** A piece of a template: literal text, already encoded, or a parameter. */
type Piece = string | { name: string; rest: boolean };

/**
 * A route template compiled to build paths: `/items/{item_id}` with
 * `{ item_id: 'a b' }` gives `/items/a%20b`. Each value is percent-encoded as
 * one path segment (a `/` in it included, which the router decodes back into
 * the value); a `{name:path}` value keeps its slashes and has each piece
 * between them encoded.
 */
export class PathBuilder {
  readonly template: string;
  readonly names: readonly string[];
  readonly #pieces: readonly Piece[];

  constructor(template: string) {
    const { segments, names } = parseTemplate(template);
    const pieces: Piece[] = [];
    // Adjacent text is joined, so building a path appends one string per literal run.
    const text = (t: string) => {
      const last = pieces.length - 1;
      if (typeof pieces[last] === 'string') pieces[last] += t;
      else pieces.push(t);
    };
    for (const segment of segments) {
      text('/');
      if (segment.kind === 'static') text(encodeSegment(segment.value));
      else if (segment.kind === 'param' || segment.kind === 'rest') pieces.push({ name: segment.name, rest: segment.kind === 'rest' });
      else {
        const literals = segment.pattern.literals;
        segment.pattern.names.forEach((name, i) => {
          text(encodeSegment(literals[i]!));
          pieces.push({ name, rest: false });
        });
        text(encodeSegment(literals[literals.length - 1]!));
      }
    }
    this.template = template;
    this.names = names;
    this.#pieces = pieces;
  }

  /** Whether `params` names exactly this template's parameters, no more, no fewer (Starlette's rule). */
  takes(params: PathParams): boolean {
    return takesOnly(params, this.names);
  }

  /**
   * The path, or undefined when a parameter other than a `{name:path}` one is
   * empty: the router gives such a parameter one character at least, so no
   * request would reach the route by that path. Call `takes` first.
   */
  build(params: PathParams): string | undefined {
    let path = '';
    for (const piece of this.#pieces) {
      if (typeof piece === 'string') {
        path += piece;
        continue;
      }
      const value = String(params[piece.name]);
      if (piece.rest) path += encodeRest(value);
      else if (value === '') return undefined;
      else path += encodeSegment(value);
    }
    return escapeDotSegments(path);
  }

  /** The first parameter, not a `{name:path}` one, whose value is empty. */
  emptyParam(params: PathParams): string | undefined {
    return this.#pieces.find((p): p is { name: string; rest: boolean } => typeof p !== 'string' && !p.rest && String(params[p.name]) === '')?.name;
  }
}

/** Whether `params` has a value for each of `names` and for nothing else; an `undefined` value counts as left out. */
function takesOnly(params: PathParams, names: readonly string[]): boolean {
  let given = 0;
  for (const key of Object.keys(params)) if (params[key] !== undefined) given++;
  return given === names.length && names.every((name) => Object.hasOwn(params, name) && params[name] !== undefined);
}

/**
 * Percent-encodes text for one path segment: everything but RFC 3986's pchar
 * (unreserved, sub-delims, `:` and `@`) is escaped, so `/`, `?`, `#`, `%` and
 * spaces cannot change where the path goes.
 */
function encodeSegment(text: string): string {
  // encodeURIComponent already keeps unreserved and !'()*; these sub-delims and : @ are allowed in a segment too.
  return encodeURIComponent(text).replace(/%(?:24|26|2B|2C|3B|3D|3A|40)/g, decodeURIComponent);
}

/** A `{name:path}` value: its slashes kept, each piece between them encoded. */
function encodeRest(value: string): string {
  return value.split('/').map(encodeSegment).join('/');
}

/**
 * `.` and `..` as whole segments are escaped (`%2E`): clients resolve them
 * away (RFC 3986 section 5.2.4), so `/files/..` would reach `/`, not the
 * route. The router decodes them back into the value.
 */
function escapeDotSegments(path: string): string {
  if (!path.includes('/.')) return path;
  return path
    .split('/')
    .map((segment) => (segment === '.' || segment === '..' ? segment.replaceAll('.', '%2E') : segment))
    .join('/');
}
