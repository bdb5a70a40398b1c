import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// `npm start`: the API process and WORKERS worker processes (default 1), all
// on the same SQLite file, in one terminal. In production each would be its
// own service (a systemd unit, a container): `node dist/main.js` and
// `fastts-worker dist/worker.js`, scaled apart.

// The bin beside the package's entry: no PATH lookup, the same file npm links as `fastts-worker`.
const workerBin = fileURLToPath(new URL('../bin/fastts-worker.mjs', import.meta.resolve('@fastts/tasks')));
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const workers = Number(process.env['WORKERS'] ?? 1);

// Process groups of their own: a Ctrl-C reaches them once, forwarded from here,
// so a second Ctrl-C is their second signal (which ends the drain), as with `serve()`.
const start = (args: string[]) => spawn(process.execPath, args, { stdio: 'inherit', detached: true });
const children: ChildProcess[] = [start([here('./main.js')])];
for (let i = 0; i < workers; i++) children.push(start([workerBin, here('./worker.js')]));

// Each child drains on the signal; this process waits for all of them.
let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill(signal);
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

let worst = 0;
await Promise.all(
  children.map(
    (child) =>
      new Promise<void>((resolve) =>
        child.on('exit', (code) => {
          worst = Math.max(worst, code ?? 1);
          // One process died on its own: stop the others rather than run half an app.
          if (!stopping) stop('SIGTERM');
          resolve();
        }),
      ),
  ),
);
process.exit(worst);
