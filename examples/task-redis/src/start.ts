import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findRedisServer, startLocalRedis, type LocalRedis } from './redis-server.js';

// `npm start`: the API process and WORKERS worker processes (default 2), on
// the Redis REDIS_URL names, or, without it, on a redis-server started here
// and stopped after them. On several machines each is its own service: see
// the README.

// The bin beside the package's entry: no PATH lookup, the same file npm links as `fastts-worker`.
const workerBin = fileURLToPath(new URL('../bin/fastts-worker.mjs', import.meta.resolve('@fastts/tasks')));
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const workers = Number(process.env['WORKERS'] ?? 2);

let redis: LocalRedis | undefined;
if (!process.env['REDIS_URL']) {
  const binary = findRedisServer();
  if (!binary) {
    process.stderr.write(
      'task-redis: REDIS_URL is not set and no redis-server was found (PATH, or REDIS_SERVER).\n' +
        'Install one (Debian/Ubuntu: apt-get install redis-server) or set REDIS_URL=redis://host:6379 to use a running Redis.\n',
    );
    process.exit(1);
  }
  redis = await startLocalRedis(binary);
  process.env['REDIS_URL'] = redis.url;
  // One JSON line, as the children log: whoever reads the output finds where Redis is.
  process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), pid: process.pid, redisPid: redis.pid, url: redis.url, dir: redis.dir, msg: 'redis-server started' })}\n`);
}

// Process groups of their own: a Ctrl-C reaches them once, forwarded from here,
// so a second Ctrl-C is their second signal (which ends the drain), as with `serve()`.
const start = (args: string[]) => spawn(process.execPath, args, { stdio: 'inherit', detached: true });
const children: ChildProcess[] = [start([here('./main.js')])];
for (let i = 0; i < workers; i++) children.push(start([workerBin, here('./worker.js')]));

let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  stopping = true;
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
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
// Last: the workers have handed their jobs back to Redis by now.
await redis?.stop();
process.exit(worst);
