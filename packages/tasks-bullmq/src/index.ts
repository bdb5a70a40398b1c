/**
 * @module
 * A BullMQ backend for `@fastts/tasks`: tasks on Redis, run by any process
 * on it (API servers, worker processes on other machines), with BullMQ's
 * priorities, delays, retries, locks and stalled-job recovery. Apart from
 * `@fastts/tasks` so that apps without Redis install neither BullMQ nor ioredis.
 */
export { BullMQBackend, type BullMQBackendOptions, type BullMQRetention, type KeepOptions } from './bullmq-backend.js';
export { RedisScheduleStore } from './schedules.js';
export { TaskBackendUnavailableError } from './unavailable.js';
export type { RedisConnection } from './connection.js';
