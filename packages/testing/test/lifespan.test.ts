import { describe, expect, it } from 'vitest';
import { App, BackgroundTasks, Controller, Get, Request, type Lifespan } from '@fastts/core';
import { LiveTestClient, TestClient, type BaseClient } from '@fastts/testing';

// Like FastAPI's `with TestClient(app)`: both clients run the app's lifespan,
// start before the first request and stop at close(), so a test needs no
// set-up of its own.

declare module '@fastts/core' {
  interface AppState {
    /** Set by the lifespan of this file's app. */
    greetings?: { greet(name: string): string; said: string[] };
  }
}

@Controller()
class Hello {
  @Get('/hello')
  hello(request: Request, tasks: BackgroundTasks) {
    const greetings = request.app.state.greetings!;
    tasks.addTask(() => void greetings.said.push('hello'));
    return { message: greetings.greet('world') };
  }
}

function appWithLifespan(events: string[]): App {
  const lifespan: Lifespan = async function* () {
    events.push('start');
    const said: string[] = [];
    yield { greetings: { greet: (name: string) => `Hello, ${name}`, said } };
    events.push(`stop after ${said.length} task(s)`);
  };
  return new App({ logger: false, lifespan }).include(Hello);
}

const clients: [string, (app: App) => Promise<BaseClient & { close(): Promise<void> }>][] = [
  ['TestClient', async (app) => new TestClient(app)],
  ['TestClient.start', (app) => TestClient.start(app)],
  ['LiveTestClient', (app) => LiveTestClient.start(app)],
];

describe.each(clients)('%s runs the lifespan', (_name, open) => {
  it('starts it once before the first request and stops it once at close(), after the tasks', async () => {
    const events: string[] = [];
    const client = await open(appWithLifespan(events));
    const [a, b] = await Promise.all([client.get('/hello'), client.get('/hello')]);
    expect([a.json(), b.json()]).toEqual([{ message: 'Hello, world' }, { message: 'Hello, world' }]);
    expect(events).toEqual(['start']);
    await client.close();
    expect(events).toEqual(['start', 'stop after 2 task(s)']);
  });
});

describe('a start that fails', () => {
  it('fails the first request of a TestClient and LiveTestClient.start, with the code', async () => {
    const broken = () =>
      new App({
        logger: false,
        async *lifespan() {
          throw new Error('cache unreachable');
        },
      }).include(Hello);
    await expect(new TestClient(broken()).get('/hello')).rejects.toMatchObject({
      code: 'FASTTS_ERR_STARTUP_FAILED',
      message: 'the app failed to start: cache unreachable',
    });
    const app = broken();
    await expect(LiveTestClient.start(app)).rejects.toMatchObject({ code: 'FASTTS_ERR_STARTUP_FAILED' });
    expect(app.server).toBeUndefined();
  });
});
