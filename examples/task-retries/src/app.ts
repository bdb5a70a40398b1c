import { appendFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { App, BackgroundTasks, Controller, Path, Post, type AppOptions } from '@fastts/core';
import { currentTask, defineTask, NonRetryableError, TaskRuntime, TasksController, type TaskBackend } from '@fastts/tasks';
import { sqliteBackend } from '@fastts/tasks-sqlite';

/** Where delivered notifications are appended; LOG_FILE overrides it. */
export const logFile = () => process.env['LOG_FILE'] ?? 'log.txt';

/** The SQLite file tasks are kept in: FASTTS_TASKS_DB, else tasks.db in this example's folder. */
export const tasksDb = () => process.env['FASTTS_TASKS_DB'] ?? fileURLToPath(new URL('../tasks.db', import.meta.url));

/**
 * Stands for a remote SMTP relay that greylists: it refuses the first
 * deliveries to each address with a temporary error, and accepts a later one.
 * Addresses on `.invalid` are refused for good.
 */
export class GreylistingRelay {
  failTimes = 2;
  readonly #refused = new Map<string, number>();

  reset(failTimes: number): void {
    this.failTimes = failTimes;
    this.#refused.clear();
  }

  async deliver(email: string, message: string): Promise<void> {
    if (email.endsWith('.invalid')) throw new NonRetryableError(`550 no such domain: ${email}`);
    const refused = this.#refused.get(email) ?? 0;
    if (refused < this.failTimes) {
      this.#refused.set(email, refused + 1);
      throw new Error(`451 greylisted, try again later: ${email}`);
    }
    await appendFile(logFile(), `notification for ${email}: ${message}\n`);
  }
}

export const relay = new GreylistingRelay();

// The tutorial's write_notification, as a named task: up to 4 attempts,
// 200 ms then 400 ms then 800 ms apart (each between half and all of that, with jitter).
export const sendNotification = defineTask(
  'send-notification',
  async (email: string, message: string) => {
    const task = currentTask()!;
    task.logger.info({ email }, 'delivering notification'); // the logger adds task, id, attempt and request id
    await relay.deliver(email, message);
  },
  { maxAttempts: 4, backoff: { type: 'exponential', delayMs: 200, maxDelayMs: 5_000, jitter: true } },
);

@Controller()
export class NotificationController {
  @Post('/send-notification/{email}')
  sendNotification(@Path('email') email: string, tasks: BackgroundTasks) {
    const handle = tasks.addTask(sendNotification, email, 'some notification');
    return { message: 'Notification sent in the background', task_id: handle.id };
  }
}

export interface RetriesAppOptions extends AppOptions {
  /** Deliveries the relay refuses per address before accepting one. Default FAIL_TIMES, else 2. */
  failTimes?: number;
  /** Where tasks are kept. Default: the SQLite file `tasksDb()` names. */
  tasksBackend?: TaskBackend;
}

export function createApp(options: RetriesAppOptions = {}): App {
  const { failTimes, tasksBackend, ...appOptions } = options;
  relay.reset(failTimes ?? Number(process.env['FAIL_TIMES'] ?? 2));
  const app = new App(appOptions).include(NotificationController);
  const runtime = new TaskRuntime({ backend: tasksBackend ?? sqliteBackend({ path: tasksDb() }) }).attach(app);
  // At boot, so that notifications stored before a restart are delivered.
  runtime.register(sendNotification);
  // GET /tasks/{id} shows each attempt and its error.
  return app.include(new TasksController(runtime));
}
