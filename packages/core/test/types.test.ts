import { describe, expectTypeOf, it } from 'vitest';
import { BackgroundTask, BackgroundTasks, Depends, Int, Query, Request, dependency, type ParamMarker } from '@fastts/core';

// Type-level contracts: they fail `npm test` through the typecheck step.
describe('types', () => {
  it('checks task arguments against the function', () => {
    const tasks = new BackgroundTasks();
    const send = (email: string, attempts: number) => `${email}${attempts}`;
    tasks.addTask(send, 'a@b.c', 3);
    // @ts-expect-error wrong argument type
    tasks.addTask(send, 'a@b.c', '3');
    // @ts-expect-error missing argument
    tasks.addTask(send, 'a@b.c');
    new BackgroundTask(send, 'x', 1);
    // @ts-expect-error too many arguments
    new BackgroundTask(send, 'x', 1, 2);
  });

  it('infers dependency parameter types from their declarations', () => {
    const commons = dependency(
      [Query('q', { optional: true }), Query('skip', { type: Int, default: 0 }), Query('tags', { type: [String] }), BackgroundTasks, Request],
      (q, skip, tags, tasks, req) => {
        expectTypeOf(q).toEqualTypeOf<string | undefined>();
        expectTypeOf(skip).toEqualTypeOf<number>();
        expectTypeOf(tags).toEqualTypeOf<string[]>();
        expectTypeOf(tasks).toEqualTypeOf<BackgroundTasks>();
        expectTypeOf(req).toEqualTypeOf<Request>();
        return { q, skip };
      },
    );
    expectTypeOf(Depends(commons)).toEqualTypeOf<ParamMarker<{ q: string | undefined; skip: number }>>();
  });

  it('unwraps what dependencies provide: promises, generators, classes', () => {
    const asyncDep = dependency([], async () => 1);
    const genDep = dependency([], function* () {
      yield 'db';
    });
    const asyncGenDep = dependency([], async function* () {
      yield true;
    });
    class Service {}
    expectTypeOf(Depends(asyncDep)).toEqualTypeOf<ParamMarker<number>>();
    expectTypeOf(Depends(genDep)).toEqualTypeOf<ParamMarker<string>>();
    expectTypeOf(Depends(asyncGenDep)).toEqualTypeOf<ParamMarker<boolean>>();
    expectTypeOf(Depends(Service)).toEqualTypeOf<ParamMarker<Service>>();
  });
});
