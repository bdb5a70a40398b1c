// The piscina worker of @fastts/tasks. A function cannot cross threads, so an
// offloaded task travels as (module URL, export name, JSON arguments): the
// worker imports the module once and calls the export. Plain JavaScript on
// purpose: worker threads load it as it is, from the sources (tests) and from
// the published package alike.
const modules = new Map();

export default async function runExport({ module, exportName, args }) {
  let loading = modules.get(module);
  if (!loading) {
    loading = import(module);
    modules.set(module, loading);
    // A module that failed to load is tried again next time (it may be built by then).
    loading.catch(() => modules.delete(module));
  }
  const loaded = await loading;
  const fn = loaded[exportName];
  // Said in the answer, not thrown: an error loses its code between threads, and
  // the main thread turns this into FASTTS_ERR_TASK_NO_EXPORT (never retried).
  if (typeof fn !== 'function') return { noExport: true };
  return { value: await fn(...args) };
}
