import type { Json } from './args.js';
import type { TaskErrorInfo, TaskRecord } from './backend.js';
import type { SubmitMeta } from './runtime-options.js';
import type { TaskSpec } from './spec.js';

/** The record of a task not (yet) in a backend: `queued`, or `cancelled` with `error` when given one. */
export function taskRecord(definition: TaskSpec, args: Json[], id: string, meta: SubmitMeta, error?: TaskErrorInfo): TaskRecord {
  const now = new Date();
  return {
    id,
    name: definition.name,
    queue: definition.queue,
    args,
    state: error ? 'cancelled' : 'queued',
    priority: definition.priority,
    attempts: 0,
    maxAttempts: definition.maxAttempts,
    createdAt: now,
    ...(error ? { finishedAt: now, error } : {}),
    history: [],
    requestId: meta.requestId,
    route: meta.route,
  };
}

/** An error as a backend keeps it: plain data, the code kept when there is one. */
export function serialiseError(error: unknown): TaskErrorInfo {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}), ...(error.stack ? { stack: error.stack } : {}) };
  }
  return { name: 'Error', message: String(error) };
}
