import { TaskRuntime } from '@fastts/tasks';
import { buildReport, tasksBackend } from './tasks.js';

// The worker process: `fastts-worker dist/worker.js` (or `fastts worker src/worker.ts`)
// imports this module and runs the runtime it returns, on the API's Redis.
export default function createWorkerRuntime(): TaskRuntime {
  const concurrency = Number(process.env['WORKER_CONCURRENCY'] ?? 4);
  return new TaskRuntime({ backend: tasksBackend(), queues: { reports: { concurrency } } }).register(buildReport);
}
