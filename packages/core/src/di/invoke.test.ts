import { describe, expect, it } from 'vitest';
import { BackgroundTask } from '../background.js';
import { constructorInvoker, functionInvoker, methodInvoker } from './invoke.js';

// Each arity has its own caller; every one must pass the values in order,
// keep `this`, and leave absent values undefined, as `apply` would.
const ARITIES = [0, 1, 2, 3, 4, 5, 7];
const valuesFor = (arity: number) => Array.from({ length: arity }, (_, i) => `v${i}`);

describe('invokers', () => {
  it('call a method with its instance and exactly its arity of values', () => {
    for (const arity of ARITIES) {
      const self = { tag: 'self' };
      let seen: { self: unknown; args: unknown[] } | undefined;
      const method = function (this: unknown, ...args: unknown[]) {
        seen = { self: this, args };
        return arity;
      };
      expect(methodInvoker(method, self, arity)(valuesFor(arity))).toBe(arity);
      expect(seen).toEqual({ self, args: valuesFor(arity) });
    }
  });

  it('pass holes as undefined (a value that was not read)', () => {
    const got = functionInvoker((...args: unknown[]) => args, 3)(new Array(3));
    expect(got).toEqual([undefined, undefined, undefined]);
    expect((got as unknown[]).length).toBe(3);
  });

  it('construct a class with its values in order', () => {
    for (const arity of ARITIES) {
      class Made {
        readonly args: unknown[];
        constructor(...args: unknown[]) {
          this.args = args;
        }
      }
      const made = constructorInvoker(Made, arity)(valuesFor(arity)) as Made;
      expect(made).toBeInstanceOf(Made);
      expect(made.args).toEqual(valuesFor(arity));
    }
  });

  it('return what the function returns, and let what it throws through', () => {
    const boom = new Error('boom');
    expect(() =>
      functionInvoker(() => {
        throw boom;
      }, 1)(['x']),
    ).toThrow(boom);
  });
});

describe('BackgroundTask.run', () => {
  it('calls the function with every argument, with the task as `this`, for any count', () => {
    for (const count of [0, 1, 2, 3, 6]) {
      let seen: { self: unknown; args: unknown[] } | undefined;
      const fn = function (this: unknown, ...args: unknown[]) {
        seen = { self: this, args };
        return count;
      };
      const task = new BackgroundTask(fn, ...valuesFor(count));
      expect(task.run()).toBe(count);
      expect(seen).toEqual({ self: task, args: valuesFor(count) });
    }
  });
});
