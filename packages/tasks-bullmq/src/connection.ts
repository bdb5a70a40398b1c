import type { ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';

/** Where Redis is: `{ host, port }`, any ioredis options, or an ioredis instance (its options are used). */
export type RedisConnection = RedisOptions | Redis;

/**
 * The options every connection of the backend starts from. An instance given
 * by the caller is not used itself: BullMQ's blocking connections need
 * `maxRetriesPerRequest: null` and the queue's needs fail-fast settings, so
 * each is opened from the instance's options, and the caller's stays theirs.
 */
export function baseOptions(connection: RedisConnection): RedisOptions {
  const options = connection instanceof Redis ? connection.options : connection;
  // ioredis's own defaults (and a lazyConnect given to the instance) are not ours to copy.
  const { lazyConnect: _lazy, ...rest } = options;
  return rest;
}

/**
 * The connection requests enqueue through. With the offline queue off, a
 * command sent while Redis is down fails at once instead of waiting for the
 * reconnect (BullMQ's advice for producers behind HTTP: docs.bullmq.io
 * guide/going-to-production), so a request answers 503 instead of hanging.
 */
export function producerConnection(base: RedisOptions): Redis {
  return new Redis({ ...base, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
}

/** Options for BullMQ's workers and QueueEvents: they block, and must retry forever across an outage. */
export function blockingOptions(base: RedisOptions): ConnectionOptions {
  // ioredis's own type; BullMQ's declares a narrower copy of it (retryStrategy may be null in ioredis's).
  return { ...base, maxRetriesPerRequest: null } as ConnectionOptions;
}
