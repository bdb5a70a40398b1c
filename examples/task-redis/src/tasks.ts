import { currentTask, defineTask, inject } from '@fastts/tasks';
import { BullMQBackend } from '@fastts/tasks-bullmq';

// What the API process and the worker processes share: the task definitions
// and Redis. They may run on different machines, so everything a task needs
// travels as its arguments, and its result is read back from Redis.

/** Where Redis is: REDIS_URL (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS). */
export function redisUrl(): string {
  const url = process.env['REDIS_URL'];
  if (!url) throw new Error('REDIS_URL is not set: point it at a Redis (redis://host:6379), or start the example with `npm start`, which starts one');
  return url;
}

/** ioredis options from a redis:// URL: the backend opens its own connections from them. */
export function connectionOf(url: string) {
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error(`REDIS_URL must start with redis:// or rediss://, got ${parsed.protocol}`);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.pathname.length > 1 ? { db: Number(parsed.pathname.slice(1)) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

export function tasksBackend(): BullMQBackend {
  // The prefix starts every key: apps sharing one Redis keep apart.
  return new BullMQBackend({ connection: connectionOf(redisUrl()), prefix: process.env['TASKS_PREFIX'] ?? 'task-redis' });
}

/** Stands for a database read: solved in each attempt's own scope, in the worker process. */
export class Orders {
  async forAccount(account: string): Promise<number[]> {
    return [...account].map((char) => char.charCodeAt(0));
  }
}

export const buildReport = defineTask(
  'build-report',
  inject({ orders: Orders }, async ({ orders }, account: string) => {
    const rows = await orders.forAccount(account);
    // The pid says which process ran it: the tests check it is a worker, not the API.
    return { account, rows: rows.length, total: rows.reduce((a, b) => a + b, 0), task: currentTask()?.id, worker: process.pid };
  }),
  { queue: 'reports', maxAttempts: 3 },
);
