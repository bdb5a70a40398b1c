import { describe, expect, it } from 'vitest';
import { App, BackgroundTasks, Controller, Get, Post, Query } from '@fastts/core';
import { LiveTestClient, TestClient, type BaseClient } from '@fastts/testing';

// Like FastAPI's TestClient(raise_server_exceptions=True): a request that ends
// in a 500 re-throws the original error in the test, for both clients.

class DatabaseDown extends Error {}

@Controller()
class Broken {
  @Get('/crash')
  crash() {
    throw new DatabaseDown('connection refused');
  }

  @Get('/fine')
  fine() {
    return { ok: true };
  }
}

@Controller()
class BadRoute {
  @Get('/bad')
  // A parameter type fastts cannot read (a union without `type`): the route fails to compile.
  bad(@Query('n') n: number | string) {
    return { n };
  }
}

const clients: [string, (app: App, options?: { raiseServerExceptions?: boolean }) => Promise<BaseClient & { close?(): Promise<void> }>][] = [
  ['TestClient', async (app, options) => new TestClient(app, options)],
  ['LiveTestClient', (app, options) => LiveTestClient.start(app, options)],
];

describe.each(clients)('%s', (_name, make) => {
  it('re-throws the error a handler threw, by default', async () => {
    const client = await make(new App({ logger: false }).include(Broken));
    try {
      const error = await client.get('/crash').catch((err: unknown) => err);
      expect(error).toBeInstanceOf(DatabaseDown);
      expect((error as Error).message).toBe('connection refused');
      // The next request is not blamed for it.
      expect((await client.get('/fine')).json()).toEqual({ ok: true });
    } finally {
      await client.close?.();
    }
  });

  it('re-throws the compile error of a route that cannot compile', async () => {
    const app = new App({ logger: false }).include(BadRoute);
    if (_name === 'LiveTestClient') {
      // listen() compiles first: the error surfaces there already.
      await expect(make(app)).rejects.toMatchObject({ code: 'FASTTS_ERR_PARAM_TYPE_AMBIGUOUS' });
      return;
    }
    await expect((await make(app)).get('/bad')).rejects.toMatchObject({ code: 'FASTTS_ERR_PARAM_TYPE_AMBIGUOUS' });
  });

  it('answers the 500 instead with raiseServerExceptions: false', async () => {
    const client = await make(new App({ logger: false }).include(Broken), { raiseServerExceptions: false });
    try {
      const res = await client.get('/crash');
      expect(res.status).toBe(500);
      expect(res.text).toBe('Internal Server Error');
    } finally {
      await client.close?.();
    }
  });

  it('does not re-throw an HTTPException or a validation error, nor an error an exception handler of its own class answers', async () => {
    const app = new App({ logger: false }).include(Broken).exceptionHandler(DatabaseDown, () => ({ retry: true }));
    const client = await make(app);
    try {
      expect((await client.get('/crash')).json()).toEqual({ retry: true });
      expect((await client.get('/missing')).status).toBe(404);
    } finally {
      await client.close?.();
    }
  });
});

describe('task modes', () => {
  @Controller()
  class Jobs {
    @Post('/jobs')
    add(tasks: BackgroundTasks) {
      tasks.addTask(function sendEmail(to: string) {
        throw new Error(`must not run for ${to}`);
      }, 'a@b.c');
      return {};
    }
  }

  it('collect records each task with its arguments, route and request id instead of running it', async () => {
    const client = new TestClient(new App({ logger: false }).include(Jobs), { tasks: 'collect' });
    await client.post('/jobs', { headers: { 'x-request-id': 'r-1' } });
    expect(client.tasks).toEqual([{ name: 'sendEmail', args: ['a@b.c'], route: 'Jobs.add', requestId: 'r-1' }]);
    expect(client.taskFailures).toEqual([]);
  });

  it('skip drops them; a later client in run mode runs them again', async () => {
    const app = new App({ logger: false }).include(Jobs);
    const skipping = new TestClient(app, { tasks: 'skip' });
    await skipping.post('/jobs');
    expect(skipping.tasks).toEqual([]);
    expect(skipping.taskFailures).toEqual([]);
    const running = new TestClient(app);
    await expect(running.post('/jobs')).rejects.toThrow('must not run for a@b.c');
  });
});
