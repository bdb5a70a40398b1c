/**
 * A lookup from a router's fixed strings (static paths, static segments) to
 * values. A Map hashes the key it is asked for, and a request's path or
 * segment is a new string each time, so every Map lookup pays for hashing it.
 * Here keys are grouped by length and compared with `===`, which stops at the
 * first length or character that differs: a key of a length no entry has
 * costs two array reads. A group of many keys of one length is looked up in a
 * Map instead.
 */
export class StringTable<V> {
  /** `groups[n]`: keys n characters long and their values, as `key, value, key, value, ...`. */
  #groups: (unknown[] | undefined)[] = [];
  readonly #map = new Map<string, V>();

  get size(): number {
    return this.#map.size;
  }

  get(key: string): V | undefined {
    const groups = this.#groups;
    if (key.length >= groups.length) return undefined;
    const group = groups[key.length];
    if (group === undefined) return undefined;
    if (group.length > MAX_SCAN) return this.#map.get(key);
    for (let i = 0; i < group.length; i += 2) if (group[i] === key) return group[i + 1] as V;
    return undefined;
  }

  set(key: string, value: V): void {
    this.#map.set(key, value);
    const groups = this.#groups;
    // Filled with undefined rather than left as holes: a packed array reads fastest.
    while (groups.length <= key.length) groups.push(undefined);
    const group = (groups[key.length] ??= []);
    for (let i = 0; i < group.length; i += 2) {
      if (group[i] === key) {
        group[i + 1] = value;
        return;
      }
    }
    group.push(key, value);
  }

  clear(): void {
    this.#map.clear();
    this.#groups = [];
  }
}

/** Keys of one length compared one by one, up to eight of them (16 slots). */
const MAX_SCAN = 16;
