// The router's params builder: the object of path parameters a matched route
// gets, built from the captures the matcher wrote into its scratch list.
//
//   node benchmarks/micro/params-builder.mjs
//
// `generated` is the builder packages/core/src/router/router.ts compiles with
// `new Function`, one per route (`(c) => ({ "item_id": c[0] })`); `plain` is
// the plain code that would replace it, a loop filling `{}`; `literal` is a
// plain alternative with computed keys in an object literal. The router calls
// one builder per request, and solve.ts then reads each parameter by its name.

import { compare, verdict } from './compare.mjs';

// As paramsBuilder in packages/core/src/router/router.ts.
function generatedBuilder(names) {
  const fields = names.map((name, i) => (name === '__proto__' ? `["__proto__"]: c[${i}]` : `${JSON.stringify(name)}: c[${i}]`)).join(', ');
  return new Function('c', `return { ${fields} };`);
}

function plainBuilder(names) {
  // `o.__proto__ = v` would set the prototype (or do nothing): defined instead.
  if (names.includes('__proto__')) {
    return (c) => {
      const o = {};
      for (let i = 0; i < names.length; i++) Object.defineProperty(o, names[i], { value: c[i], enumerable: true, writable: true, configurable: true });
      return o;
    };
  }
  return (c) => {
    const o = {};
    for (let i = 0; i < names.length; i++) o[names[i]] = c[i];
    return o;
  };
}

function literalBuilder(names) {
  const [a, b, c3] = names;
  switch (names.length) {
    case 1:
      return (c) => ({ [a]: c[0] });
    case 2:
      return (c) => ({ [a]: c[0], [b]: c[1] });
    case 3:
      return (c) => ({ [a]: c[0], [b]: c[1], [c3]: c[2] });
    default:
      return plainBuilder(names);
  }
}

/** Routes of a small app, as the router would see them: parameter names and one path's captures. */
const app = [
  { names: ['item_id'], captures: ['42'] },
  { names: ['user_id', 'item_id'], captures: ['7', '42'] },
  { names: ['name', 'ext'], captures: ['cat', 'png'] },
  { names: ['a', 'b', 'c'], captures: ['x', 'y', 'z'] },
  { names: ['file_path'], captures: ['a/b/c.txt'] },
  { names: ['id'], captures: ['9'] },
];
const oneRoute = [app[0]];

function workload(routes, make) {
  const built = routes.map((route) => ({ build: make(route.names), names: route.names, captures: route.captures }));
  // One scratch list, filled in place, as the router's is.
  const scratch = [];
  return (ops) => {
    let total = 0;
    for (let i = 0; i < ops; i++) {
      const route = built[i % built.length];
      for (let k = 0; k < route.captures.length; k++) scratch[k] = route.captures[k];
      const params = route.build(scratch);
      for (let k = 0; k < route.names.length; k++) total += params[route.names[k]].length;
    }
    return total;
  };
}

const ops = 2_000_000;
for (const [title, routes] of [
  ['one route, /items/{item_id} (the benchmark app)', oneRoute],
  ['six routes of 1 to 3 parameters, in turn', app],
]) {
  const stats = compare(`params builder: ${title}`, { generated: workload(routes, generatedBuilder), plain: workload(routes, plainBuilder), literal: workload(routes, literalBuilder) }, { ops });
  verdict(stats);
}
