import type { ChildProcess } from 'node:child_process';
import { dirname, relative } from 'node:path';
import { isRunning, isTypeScript, signalGroup, startApp, stopApp } from './app-process.js';
import { appUrl, portAnswers, servesDocs, waitForPort } from './listening.js';
import { projectFiles } from './project-files.js';
import { watchSources } from './watch.js';

export interface DevOptions {
  entry: string;
  appArgs: string[];
  port: number;
  host: string;
}

/** Saves come in bursts (an editor writes, renames, touches; a formatter writes again): one restart per burst. */
const DEBOUNCE_MS = 150;
/** How long a restart waits for the old app's drain before SIGKILL. */
const STOP_TIMEOUT_MS = 5_000;
/** When an app still does not answer on its port, say why that may be, once. */
const SLOW_START_MS = 10_000;

const say = (line: string) => process.stdout.write(`fastts dev: ${line}\n`);

/**
 * `fastts dev`: runs the entry with the SWC loader, restarts it when a source
 * file changes, and prints its URLs once it listens. An app that cannot start
 * (a syntax error, a throw at start-up) is reported and the CLI waits for the
 * next change. Resolves when the CLI should exit (SIGINT, SIGTERM, SIGHUP).
 */
export async function dev(options: DevOptions): Promise<number> {
  const { entry, host, port } = options;
  const url = appUrl(host, port);
  // dev runs one process: restarts stay quick, and a WEB_CONCURRENCY meant for production does not fork workers here.
  const env = { ...process.env, PORT: String(port), HOST: host, WEB_CONCURRENCY: '1' };
  const folder = dirname(entry);
  let child: ChildProcess | undefined;
  let generation = 0;
  let closed = false;
  /** Every app process not yet exited, the one being stopped included. */
  const live = new Set<ChildProcess>();

  const start = async () => {
    const mine = ++generation;
    if (await portAnswers(host, port)) {
      if (generation === mine && !closed) say(`something else answers on ${url}: stop it or pass --port; waiting for a change`);
      return;
    }
    // A restart or Ctrl-C came while the port was checked: this start is stale.
    if (generation !== mine || closed) return;
    const app = startApp({ entry, appArgs: options.appArgs, env, typescript: isTypeScript(entry), stdin: 'ignore' });
    child = app;
    live.add(app);
    app.on('error', (error) => say(`cannot start node: ${error.message}`));
    app.once('exit', (code, signal) => {
      live.delete(app);
      if (child !== app) return; // stopped for a restart: expected
      child = undefined;
      // What the app started (cluster workers) must not keep the port for the next start.
      signalGroup(app, 'SIGKILL');
      say(`the app exited (${signal ?? `code ${code}`}); waiting for a change`);
    });
    const current = () => child === app && generation === mine && isRunning(app);
    const slow = setTimeout(() => {
      if (current()) say(`nothing answers on ${url} yet: the app should listen on PORT and HOST, as serve(app) does`);
    }, SLOW_START_MS);
    const up = await waitForPort(host, port, current);
    clearTimeout(slow);
    if (!up) return;
    say(`serving on ${url}`);
    if (await servesDocs(url)) say(`docs at ${url}/docs`);
    else say(`no docs at ${url}/docs (serveDocs(app) from @fastts/openapi adds them)`);
  };

  const stop = async () => {
    const app = child;
    child = undefined;
    generation++;
    if (app !== undefined) await stopApp(app, STOP_TIMEOUT_MS);
  };

  // One restart at a time, in order: a change during a restart queues one more.
  let queue = Promise.resolve();
  const restart = () => {
    queue = queue.then(stop).then(() => {
      void start();
    });
  };
  let timer: NodeJS.Timeout | undefined;
  let changed = new Set<string>();
  const watcher = watchSources(folder, projectFiles(folder), (file) => {
    changed.add(relative(process.cwd(), file) || file);
    clearTimeout(timer);
    timer = setTimeout(() => {
      say(`${[...changed].join(', ')} changed: restarting`);
      changed = new Set();
      restart();
    }, DEBOUNCE_MS);
  });

  say(`watching ${relative(process.cwd(), folder) || '.'} (node_modules, dist and .git left out)`);
  void start();

  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = () => {
      if (stopping) {
        // A second Ctrl-C does not wait for the drain.
        for (const app of live) signalGroup(app, 'SIGKILL');
        return;
      }
      stopping = true;
      closed = true;
      watcher.close();
      clearTimeout(timer);
      void queue.then(stop).then(() => resolve(0));
    };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  });
}
