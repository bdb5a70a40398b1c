/**
 * A segment with text around its parameters, such as `{name}.{ext}` or
 * `{a}-{b}-{c}.txt`, matched in time linear in the segment's length.
 *
 * It was a regex, `^([^/]+)-([^/]+)-([^/]+)\.txt$`, and V8's backtracking
 * engine tries every split of the segment between the parameters: a segment
 * of 8,000 dashes kept the event loop for 13 s (issue 15, defect 2). The
 * scanner finds the same match with at most one pass over the segment per
 * literal character.
 *
 * Semantics kept from the regex (and from Starlette's `[^/]+`): each
 * parameter takes at least one character and no '/', and when a segment can
 * be split in several ways, each parameter in turn takes as much as it can,
 * the first one first (`{name}.{ext}` on `a.b.png`: name `a.b`, ext `png`).
 * That split is the one where every separator sits as far right as it can,
 * so the scanner places them right to left: the last separator at its last
 * occurrence that leaves one character to the parameter after it, the one
 * before it at its last occurrence before that, and so on. Each search starts
 * below where the previous one ended, so the searches together cover the
 * segment once.
 */
export class Pattern {
  /** The template's text of this segment, e.g. `{name}.{ext}`. */
  readonly source: string;
  /** The parameters' names, in order. */
  readonly names: readonly string[];
  /** Text before the first parameter. */
  readonly #prefix: string;
  /** Text after the last parameter. */
  readonly #suffix: string;
  /** The separators between parameters, in order (one fewer than the parameters; '' for `{a}{b}`). */
  readonly #separators: readonly string[];
  /** Where each parameter starts and ends in the segment being matched: ends[k] is where parameter k ends. */
  readonly #ends: number[];

  /** `literals` are the texts around the parameters: one more than `names`, the first and last possibly empty. */
  constructor(source: string, literals: readonly string[], names: readonly string[]) {
    this.source = source;
    this.names = names;
    this.#prefix = literals[0]!;
    this.#suffix = literals[literals.length - 1]!;
    this.#separators = literals.slice(1, -1);
    this.#ends = new Array<number>(names.length).fill(0);
  }

  /** The literals, for comparing two patterns. */
  get literals(): readonly string[] {
    return [this.#prefix, ...this.#separators, this.#suffix];
  }

  /**
   * Writes the parameters' values into `captures` from `at` on and returns
   * how many it wrote, or returns -1 when the segment does not match.
   */
  match(segment: string, captures: string[], at: number): number {
    const prefix = this.#prefix;
    const suffix = this.#suffix;
    const first = prefix.length;
    const last = segment.length - suffix.length;
    const count = this.#ends.length;
    // Every parameter takes a character at least; the literals cannot hold '/'.
    if (last - first < count || !segment.startsWith(prefix) || !segment.endsWith(suffix) || segment.includes('/')) return -1;
    const ends = this.#ends;
    ends[count - 1] = last;
    for (let k = count - 2; k >= 0; k--) {
      const separator = this.#separators[k]!;
      // The separator must leave a character to the parameter after it.
      const from = ends[k + 1]! - 1 - separator.length;
      // lastIndexOf reads a negative start as 0, which could find a separator overlapping the prefix.
      if (from < first + 1) return -1;
      const found = segment.lastIndexOf(separator, from);
      if (found < first + 1) return -1;
      ends[k] = found;
    }
    let start = first;
    for (let k = 0; k < count; k++) {
      captures[at + k] = segment.slice(start, ends[k]);
      if (k < count - 1) start = ends[k]! + this.#separators[k]!.length;
    }
    return count;
  }
}
