import { IsString, Length } from '@fastts/core/validators';
import { App, BackgroundTasks, Body, Controller, Post, type AppOptions } from '@fastts/core';
import { TaskRuntime, TasksController, type TaskBackend } from '@fastts/tasks';
import { buildReport, tasksBackend } from './tasks.js';

export class ReportRequest {
  @IsString()
  @Length(1, 64)
  account!: string;
}

@Controller()
export class ReportsController {
  /** Stores the task in Redis before answering; a worker process, on this machine or another, builds the report. */
  @Post('/reports', { statusCode: 202 })
  report(@Body() request: ReportRequest, tasks: BackgroundTasks) {
    const handle = tasks.addTask(buildReport, request.account);
    return { task_id: handle.id, status_url: `/tasks/${handle.id}` };
  }
}

export interface ApiOptions extends AppOptions {
  /** Where tasks are kept. Default: the Redis REDIS_URL names, shared with the workers. */
  tasksBackend?: TaskBackend;
}

export function createApp(options: ApiOptions = {}): App {
  const { tasksBackend: backend = tasksBackend(), ...appOptions } = options;
  const app = new App(appOptions).include(ReportsController);
  // work: false: this process only enqueues; `fastts-worker dist/worker.js` runs the tasks.
  const runtime = new TaskRuntime({ backend, work: false }).attach(app);
  return app.include(new TasksController(runtime));
}
