import type { Provided } from '@fastts/core';
import { currentTask } from './context.js';
import { TaskSetupError } from './errors.js';

/** The values of a task's declared dependencies, by the names they were declared under. */
export type Injected<D> = { [K in keyof D]: Provided<D[K]> };

const declared = new WeakMap<Function, Readonly<Record<string, Function>>>();

/**
 * Declares the dependencies of a task function (the functions, generator
 * functions and classes `Depends` takes). They are solved in the task's own
 * scope when each attempt starts, in the order written, and cleaned up (last
 * first, the error thrown in at a generator's `yield`) when it ends, so a
 * task never touches a resource its request already closed
 * (fastapi/fastapi#2866).
 *
 * @example
 * ```ts
 * const sendWelcome = defineTask(
 *   'send-welcome',
 *   inject({ db: getDb, mailer: Mailer }, async ({ db, mailer }, userId: number) => {
 *     await mailer.send(await db.user(userId));
 *   }),
 * );
 * ```
 */
export function inject<const D extends Record<string, Function>, A extends unknown[], R>(
  dependencies: D,
  fn: (dependencies: Injected<D>, ...args: A) => R,
): (...args: A) => Promise<Awaited<R>> {
  for (const [key, dependency] of Object.entries(dependencies)) {
    if (typeof dependency !== 'function') throw new TaskSetupError('FASTTS_ERR_TASK_DEPENDENCY_NOT_CALLABLE', key, fn.name || 'a task');
  }
  const withDependencies = async (...args: A): Promise<Awaited<R>> => {
    const task = currentTask();
    if (!task) throw new TaskSetupError('FASTTS_ERR_TASK_DEPENDENCIES_OUTSIDE_TASK', fn.name || 'this function');
    const values: Record<string, unknown> = {};
    for (const [key, dependency] of Object.entries(dependencies)) values[key] = await task.use(dependency);
    return (await fn(values as Injected<D>, ...args)) as Awaited<R>;
  };
  Object.defineProperty(withDependencies, 'name', { value: fn.name });
  declared.set(withDependencies, dependencies);
  return withDependencies;
}

/** The dependencies `inject` declared on `fn`, if any. */
export function declaredDependencies(fn: Function): Readonly<Record<string, Function>> | undefined {
  return declared.get(fn);
}
