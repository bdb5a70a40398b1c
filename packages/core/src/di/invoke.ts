/**
 * Callers of a plan's function, built once per plan. `apply` and spread calls
 * go through V8's generic array-walking builtins on every request; a plain
 * call with the arguments listed does not. Functions and methods of up to
 * four parameters and classes of up to three (nearly all of them) get one;
 * longer lists fall back to `apply` or spread.
 */
export type Invoker = (args: unknown[]) => unknown;

/** Calls `fn` with `self` as `this` and the first `arity` values of `args`. */
export function methodInvoker(fn: Function, self: unknown, arity: number): Invoker {
  switch (arity) {
    case 0:
      return () => fn.call(self);
    case 1:
      return (a) => fn.call(self, a[0]);
    case 2:
      return (a) => fn.call(self, a[0], a[1]);
    case 3:
      return (a) => fn.call(self, a[0], a[1], a[2]);
    case 4:
      return (a) => fn.call(self, a[0], a[1], a[2], a[3]);
    default:
      return (a) => fn.apply(self, a);
  }
}

/** Calls `fn` as a plain function (a dependency). */
export function functionInvoker(fn: Function, arity: number): Invoker {
  return methodInvoker(fn, undefined, arity);
}

/** Constructs `Ctor` (a class used as a dependency). */
export function constructorInvoker(Ctor: new (...args: unknown[]) => unknown, arity: number): Invoker {
  switch (arity) {
    case 0:
      return () => new Ctor();
    case 1:
      return (a) => new Ctor(a[0]);
    case 2:
      return (a) => new Ctor(a[0], a[1]);
    case 3:
      return (a) => new Ctor(a[0], a[1], a[2]);
    default:
      return (a) => new Ctor(...a);
  }
}
