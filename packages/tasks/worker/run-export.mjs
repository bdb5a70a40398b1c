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
  if (typeof fn !== 'function') throw new TypeError(`${module} has no exported function '${exportName}'`);
  return fn(...args);
}
