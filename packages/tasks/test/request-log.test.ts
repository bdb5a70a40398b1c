import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { App, BackgroundTasks, Controller, Post, Request } from '@fastts/core';
import { currentTask, defineTask, TaskRuntime } from '@fastts/tasks';

// A task's logger carries the id of the request that added it, read over a
// real socket from the JSON lines of a real pino logger: the same id as the
// access line, request.log and the x-request-id header.

type Line = Record<string, unknown>;

let app: App | undefined;
let runtime: TaskRuntime | undefined;
afterEach(async () => {
  await runtime?.close();
  await app?.close();
  app = runtime = undefined;
});

const notify = defineTask('notify', async (to: string) => {
  await new Promise((resolve) => setTimeout(resolve, 5));
  currentTask()!.logger.info({ to }, 'notified');
});

@Controller()
class Signup {
  @Post('/signup')
  signup(request: Request, tasks: BackgroundTasks) {
    request.log.info({}, 'signing up');
    const handle = tasks.addTask(notify, 'ada@example.com');
    return { task: handle.id };
  }
}

describe('task logs and the request', () => {
  it('binds a durable task logger to the id of the request that added it, generated or sent', async () => {
    const lines: Line[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString().split('\n')) if (text !== '') lines.push(JSON.parse(text) as Line);
        done();
      },
    });
    app = new App({ logger: pino({ level: 'info' }, stream) }).include(Signup);
    runtime = new TaskRuntime({ lagThresholdMs: false, offload: 'inline' }).attach(app);
    const { port } = await app.listen(0, '127.0.0.1');
    const ids: string[] = [];
    for (const sent of [undefined, 'client-42']) {
      const res = await fetch(`http://127.0.0.1:${port}/signup`, { method: 'POST', headers: sent ? { 'x-request-id': sent } : {} });
      const { task } = (await res.json()) as { task: string };
      await runtime.get(task).then(() => app!.backgroundIdle());
      for (let i = 0; i < 200 && !lines.some((l) => l['msg'] === 'notified' && l['taskId'] === task); i++) await new Promise((r) => setTimeout(r, 10));
      const id = res.headers.get('x-request-id')!;
      ids.push(id);
      expect(lines.find((l) => l['msg'] === 'notified' && l['taskId'] === task)).toMatchObject({ task: 'notify', to: 'ada@example.com', requestId: id });
      expect(lines.filter((l) => l['requestId'] === id).map((l) => l['msg'])).toEqual(expect.arrayContaining(['signing up', 'notified', expect.stringMatching(/^POST \/signup 200 /)]));
    }
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[1]).toBe('client-42');
  });
});
