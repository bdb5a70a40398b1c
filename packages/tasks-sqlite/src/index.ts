/**
 * @module
 * A durable backend for `@fastts/tasks` on one SQLite file: tasks survive a
 * restart, a crash or a deploy on one machine, with no server to run.
 * Apart from `@fastts/tasks` so that apps without it install no native module.
 */
export { SqliteBackend, sqliteBackend, type SqliteBackendOptions } from './sqlite-backend.js';
export type { RetentionOptions, KeepRule } from './retention.js';
export { SqliteScheduleStore } from './schedules.js';
