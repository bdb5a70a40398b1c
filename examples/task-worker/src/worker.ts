import { TaskRuntime } from '@fastts/tasks';
import { sendWelcome, tasksBackend } from './tasks.js';

// The worker process: `fastts-worker dist/worker.js` imports this module and
// runs the runtime it returns (runWorker), on the API's file.
export default function createWorkerRuntime(): TaskRuntime {
  return new TaskRuntime({ backend: tasksBackend(), queues: { mail: { concurrency: 4 } } }).register(sendWelcome);
}
