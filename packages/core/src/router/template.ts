import { FastTsError } from '../errors/codes.js';
import { Pattern } from './pattern.js';

/** One `/`-separated piece of a route template. */
export type Segment =
  | { kind: 'static'; value: string }
  | { kind: 'param'; name: string }
  /** Text around parameters inside one segment, e.g. `{name}.{ext}`. */
  | { kind: 'pattern'; pattern: Pattern }
  /** `{name:path}`: the rest of the path, slashes included (last segment only). */
  | { kind: 'rest'; name: string };

const PARAM = /\{([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?\}/g;

/**
 * Parses a FastAPI/Starlette path template (`/items/{item_id}`,
 * `/files/{file_path:path}`). Converters other than `str` and `path` are
 * refused: in FastAPI the parameter's declared type converts the value.
 */
export function parseTemplate(template: string): { segments: Segment[]; names: string[] } {
  if (!template.startsWith('/')) throw new FastTsError('FASTTS_ERR_ROUTE_TEMPLATE', template, "it must start with '/'");
  const segments: Segment[] = [];
  const names: string[] = [];
  const parts = template.slice(1).split('/');
  parts.forEach((part, i) => {
    const found = [...part.matchAll(PARAM)];
    if (found.length === 0) {
      if (part.includes('{') || part.includes('}')) throw new FastTsError('FASTTS_ERR_ROUTE_TEMPLATE', template, `malformed parameter in '${part}'`);
      segments.push({ kind: 'static', value: part });
      return;
    }
    for (const m of found) {
      const [, name, converter = 'str'] = m;
      if (names.includes(name!)) throw new FastTsError('FASTTS_ERR_ROUTE_TEMPLATE', template, `parameter '${name}' appears twice`);
      names.push(name!);
      if (converter !== 'str' && converter !== 'path') {
        throw new FastTsError('FASTTS_ERR_ROUTE_TEMPLATE', template, `unsupported converter '${converter}' (use str or path; the parameter's type converts the value)`);
      }
      if (converter === 'path') {
        if (part !== m[0] || i !== parts.length - 1) {
          throw new FastTsError('FASTTS_ERR_ROUTE_TEMPLATE', template, 'a {name:path} parameter must be the whole last segment');
        }
        segments.push({ kind: 'rest', name: name! });
        return;
      }
    }
    if (found.length === 1 && found[0]![0] === part) {
      segments.push({ kind: 'param', name: found[0]![1]! });
      return;
    }
    // split() with PARAM's two groups gives text, name, converter, text, ...: the texts are every third piece.
    const literals = part.split(PARAM).filter((_, j) => j % 3 === 0);
    segments.push({ kind: 'pattern', pattern: new Pattern(part, literals, found.map((m) => m[1]!)) });
  });
  return { segments, names };
}
