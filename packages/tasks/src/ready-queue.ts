/**
 * The tasks of one queue waiting to start: a binary heap, highest priority
 * first, then first in. Entries are not removed on cancel; whoever pops one
 * checks it is still wanted.
 */
export class ReadyQueue<T> {
  readonly #heap: { item: T; priority: number; seq: number }[] = [];
  #seq = 0;

  push(item: T, priority: number): void {
    const heap = this.#heap;
    heap.push({ item, priority, seq: this.#seq++ });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(i, parent)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const heap = this.#heap;
    if (heap.length === 0) return undefined;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let best = i;
        if (left < heap.length && this.#before(left, best)) best = left;
        if (right < heap.length && this.#before(right, best)) best = right;
        if (best === i) break;
        [heap[i], heap[best]] = [heap[best]!, heap[i]!];
        i = best;
      }
    }
    return top.item;
  }

  get size(): number {
    return this.#heap.length;
  }

  #before(a: number, b: number): boolean {
    const x = this.#heap[a]!;
    const y = this.#heap[b]!;
    return x.priority !== y.priority ? x.priority > y.priority : x.seq < y.seq;
  }
}
