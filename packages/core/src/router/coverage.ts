import type { Segment } from './template.js';

/**
 * What two templates have in common, worked out once when routes are added:
 * whether they are the same template with other parameter names (a duplicate)
 * and whether every path one matches the other matches too (then the one
 * declared later can be shadowed).
 */

/** The template with its parameter names left out: `/a/{x}` and `/a/{y}` get the same key. */
export function templateKey(segments: readonly Segment[]): string {
  return JSON.stringify(
    segments.map((s) => (s.kind === 'static' ? `=${s.value}` : s.kind === 'param' ? '{}' : s.kind === 'rest' ? '{:path}' : s.pattern.literals)),
  );
}

/**
 * Whether every path `later` matches is matched by `earlier` as well, as the
 * router reads paths (segments decoded; a parameter takes one non-empty
 * segment; a `{name:path}` takes the rest, empty included). Sound, not
 * complete: a segment with text around parameters covers another only when it
 * is the same pattern, or when the other is static text it matches; `{a}.{b}`
 * also covers `{x}.tar.gz`, and that is not seen.
 */
export function covers(earlier: readonly Segment[], later: readonly Segment[]): boolean {
  for (let i = 0; i < earlier.length; i++) {
    const e = earlier[i]!;
    // The rest of any path that reaches this segment.
    if (e.kind === 'rest') return i < later.length;
    if (i >= later.length || !segmentCovers(e, later[i]!)) return false;
  }
  return later.length === earlier.length;
}

function segmentCovers(e: Exclude<Segment, { kind: 'rest' }>, l: Segment): boolean {
  if (l.kind === 'rest') return false;
  switch (e.kind) {
    case 'static':
      return l.kind === 'static' && l.value === e.value;
    case 'param':
      // Every segment but the empty one.
      return l.kind !== 'static' || l.value !== '';
    case 'pattern':
      if (l.kind === 'static') return e.pattern.match(l.value, [], 0) >= 0;
      return l.kind === 'pattern' && sameLiterals(e.pattern.literals, l.pattern.literals);
  }
}

function sameLiterals(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((text, i) => text === b[i]);
}
