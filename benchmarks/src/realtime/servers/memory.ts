// GET /memory of every realtime server: the heap after a full collection, so
// that what the open connections hold is compared and not garbage that a
// collection would free. The servers run with --expose-gc; without it (a
// server started by hand) the figures include garbage.

/** The server's own view of its memory, in bytes, after `gc()` when exposed. */
export function memorySnapshot(): { heapUsed: number; external: number; arrayBuffers: number; rss: number; gc: boolean } {
  const gc = (globalThis as { gc?: () => void }).gc;
  // Twice: a first full collection can leave objects that only a second frees (weak references, finalizers).
  gc?.();
  gc?.();
  const { heapUsed, external, arrayBuffers, rss } = process.memoryUsage();
  return { heapUsed, external, arrayBuffers, rss, gc: gc !== undefined };
}
