import { afterEach, describe, expect, it } from 'vitest';
import { App, BackgroundTask, BackgroundTasks, Controller, Post } from '@fastts/core';
import { kCreateTask, type TaskFactory } from '@fastts/core/extend';
import { LiveTestClient } from '@fastts/testing';

// A task that must be stored before the response (a durable task of
// @fastts/tasks) hands the core a `stored` promise: the response waits for
// it, and a failed store fails the request as the handler's error would.

let client: LiveTestClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

/** A task factory whose tasks are "stored" when the test says, recording what happens to them. */
function storedTasks() {
  const events: string[] = [];
  let settle!: { resolve: () => void; reject: (error: unknown) => void };
  const factory: TaskFactory<[string], string> = {
    [kCreateTask](args) {
      const stored = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
      const task = Object.assign(new BackgroundTask(() => void events.push(`ran ${args[0]}`)), {
        handle: args[0],
        stored,
        discard: (reason: string) => void events.push(`discarded ${args[0]}: ${reason}`),
      });
      events.push(`added ${args[0]}`);
      return task;
    },
  };
  return { factory, events, settle: () => settle };
}

describe('tasks stored before the response', () => {
  it('writes the response only once the task is stored, then runs the task after it', async () => {
    const { factory, events, settle } = storedTasks();
    @Controller()
    class Routes {
      @Post('/add')
      add(tasks: BackgroundTasks) {
        tasks.addTask(factory, 'a');
        return { ok: true };
      }
    }
    client = await LiveTestClient.start(new App({ logger: false }).include(Routes));
    let answered = false;
    const response = client.post('/add').then((res) => {
      answered = true;
      events.push('response');
      return res;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answered).toBe(false);
    events.push('stored');
    settle().resolve();
    expect((await response).status).toBe(200);
    // The test client answers once the request's tasks have run.
    expect(events).toEqual(['added a', 'stored', 'ran a', 'response']);
  });

  it('answers 500 when the store fails, and the task is dropped, never run', async () => {
    const { factory, events, settle } = storedTasks();
    @Controller()
    class Routes {
      @Post('/add')
      add(tasks: BackgroundTasks) {
        tasks.addTask(factory, 'b');
        setImmediate(() => settle().reject(new Error('disk full')));
        return { ok: true };
      }
    }
    client = await LiveTestClient.start(new App({ logger: false }).include(Routes), { raiseServerExceptions: false });
    expect((await client.post('/add')).status).toBe(500);
    await client.app.backgroundIdle();
    expect(events).toEqual(['added b', 'discarded b: handler-failed']);
  });
});
