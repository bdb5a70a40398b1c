import { IsEmail } from '@fastts/core/validators';
import { App, BackgroundTasks, Body, Controller, Post, type AppOptions } from '@fastts/core';
import { TaskRuntime, TasksController, type TaskBackend } from '@fastts/tasks';
import { sendWelcome, tasksBackend } from './tasks.js';

export class Signup {
  @IsEmail()
  email!: string;
}

@Controller()
export class SignupController {
  /** Writes the task to the file before answering; a worker process sends the e-mail. */
  @Post('/signups', { statusCode: 202 })
  signup(@Body() signup: Signup, tasks: BackgroundTasks) {
    const handle = tasks.addTask(sendWelcome, signup.email);
    return { task_id: handle.id, status_url: `/tasks/${handle.id}` };
  }
}

export interface ApiOptions extends AppOptions {
  /** Where tasks are kept. Default: the SQLite file `tasksDb()` names, shared with the workers. */
  tasksBackend?: TaskBackend;
}

export function createApp(options: ApiOptions = {}): App {
  const { tasksBackend: backend = tasksBackend(), ...appOptions } = options;
  const app = new App(appOptions).include(SignupController);
  // work: false: this process only enqueues; `fastts-worker dist/worker.js` runs the tasks.
  const runtime = new TaskRuntime({ backend, work: false }).attach(app);
  return app.include(new TasksController(runtime));
}
