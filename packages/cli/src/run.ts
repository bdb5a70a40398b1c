import { constants } from 'node:os';
import { isTypeScript, startApp } from './app-process.js';

export interface RunOptions {
  entry: string;
  appArgs: string[];
  port?: number;
  host?: string;
  workers?: number;
}

/** Signals passed on to the app. SIGUSR1 stays Node's own (it opens the inspector). */
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGUSR2'] as const;

/**
 * `fastts run`: starts the entry once (TypeScript through the SWC loader,
 * JavaScript as it is) with the serve() contract in its environment: PORT,
 * HOST and WEB_CONCURRENCY when given. Each signal this process receives is
 * passed on once, and it resolves with the app's exit code (128 + the signal
 * number when a signal ended it, as a shell reports it).
 */
export async function run(options: RunOptions): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (options.port !== undefined) env['PORT'] = String(options.port);
  if (options.host !== undefined) env['HOST'] = options.host;
  if (options.workers !== undefined) env['WEB_CONCURRENCY'] = String(options.workers);
  const app = startApp({ entry: options.entry, appArgs: options.appArgs, env, typescript: isTypeScript(options.entry), stdin: 'inherit' });
  const forward = (signal: NodeJS.Signals) => app.kill(signal);
  for (const signal of FORWARDED) process.on(signal, forward);
  return new Promise((resolve, reject) => {
    app.once('error', reject);
    app.once('exit', (code, signal) => {
      for (const name of FORWARDED) process.off(name, forward);
      resolve(signal === null ? (code ?? 1) : 128 + (constants.signals[signal] ?? 0));
    });
  });
}
