/**
 * @module
 * The task runtime of fastts: named tasks added with the same
 * `tasks.addTask(...)`, with retries and backoff, timeouts, priorities,
 * per-queue concurrency, dedupe, status handles, worker-thread offload,
 * task-scoped dependencies and a drain at shutdown, behind a `TaskBackend`
 * interface whose in-memory implementation ships here.
 */
export { defineTask, TaskDefinition, type TaskOptions } from './definition.js';
export { DelayedTask } from './delayed.js';
export type { TaskSpec, PreparedArgs } from './spec.js';
export { inject, type Injected } from './inject.js';
export { TaskHandle } from './handle.js';
export { NamedBackgroundTask, type DiscardReason } from './named-task.js';
export { TaskRuntime } from './runtime.js';
export { Schedule, maxMissedTicks, type ScheduleOptions, type ScheduleInfo, type MissedTicks } from './schedules.js';
export { MemoryScheduleStore, type ScheduleStore, type StoredSchedule, type SchedulePattern } from './schedule-store.js';
export type { TaskRuntimeOptions, QueueOptions, TaskFailureInfo, SubmitMeta } from './runtime-options.js';
export { runWorker, type WorkerOptions, type RunningWorker } from './worker.js';
export type { QueueStats } from './admission.js';
export { currentTask, type TaskContext } from './context.js';
export {
  taskStates,
  isFinished,
  type TaskBackend,
  type TaskState,
  type TaskRecord,
  type TaskFilter,
  type EnqueueOptions,
  type ClaimedTask,
  type TaskWorker,
  type TaskErrorInfo,
  type AttemptInfo,
  type FollowedTask,
  type PeekedTask,
} from './backend.js';
export { MemoryBackend, type MemoryBackendOptions } from './memory-backend.js';
export { serialiseError } from './records.js';
export { TaskRegistry } from './registry.js';
export { OffloadPool, type OffloadOptions, type OffloadTarget } from './offload-pool.js';
export { backoffDelay, defaultBackoff, type BackoffOptions } from './backoff.js';
export { encodeArgs, decodeArgs, type Json, type JsonSafe, type JsonArgs, type ModelClass } from './args.js';
export { TasksController, type TasksControllerOptions } from './router.js';
export { TasksDashboard, type TasksDashboardOptions } from './dashboard/dashboard.js';
export {
  TaskError,
  TaskArgumentsError,
  TaskTimeoutError,
  TaskCancelledError,
  TaskFailedError,
  TaskSetupError,
  TaskQueueFullError,
  NonRetryableError,
  isRetryable,
  taskErrorCodes,
  type TaskErrorCode,
} from './errors.js';
