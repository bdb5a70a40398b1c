import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { App, BackgroundTasks, Body, Controller, Get, Path, Post, type AppOptions } from '@fastts/core';
import { defineTask, TaskRuntime, TasksController, type TaskBackend } from '@fastts/tasks';
import { sqliteBackend } from '@fastts/tasks-sqlite';

/** The SQLite file tasks are kept in: FASTTS_TASKS_DB, else tasks.db in this example's folder. */
export const tasksDb = () => process.env['FASTTS_TASKS_DB'] ?? fileURLToPath(new URL('../tasks.db', import.meta.url));

/** What the mail transport has sent, in order (an SMTP log in a real app). */
export const outbox: string[] = [];

/** Time one e-mail takes to send; SEND_MS overrides it. */
const sendMs = () => Number(process.env['SEND_MS'] ?? 200);

async function send(kind: string, email: string): Promise<void> {
  await sleep(sendMs());
  outbox.push(`${kind} to ${email}`);
}

// Both go through the `mail` queue, which sends one e-mail at a time. Within a
// queue, higher priority runs first: a password reset overtakes any backlog
// of newsletters, instead of waiting behind it.
export const newsletter = defineTask('newsletter', (email: string) => send('newsletter', email), { queue: 'mail', priority: 0 });
export const passwordReset = defineTask('password-reset', (email: string) => send('password reset', email), { queue: 'mail', priority: 10 });

@Controller()
export class MailController {
  @Post('/newsletter', { statusCode: 202 })
  sendNewsletter(@Body({ type: [String] }) subscribers: string[], tasks: BackgroundTasks) {
    for (const email of subscribers) tasks.addTask(newsletter, email);
    return { queued: subscribers.length };
  }

  @Post('/password-reset/{email}', { statusCode: 202 })
  resetPassword(@Path('email') email: string, tasks: BackgroundTasks) {
    return { task_id: tasks.addTask(passwordReset, email).id };
  }

  @Get('/outbox')
  sent() {
    return outbox;
  }
}

export interface PrioritiesAppOptions extends AppOptions {
  /** Where tasks are kept. Default: the SQLite file `tasksDb()` names. */
  tasksBackend?: TaskBackend;
}

export function createApp(options: PrioritiesAppOptions = {}): App {
  const { tasksBackend, ...appOptions } = options;
  outbox.length = 0;
  const app = new App(appOptions).include(MailController);
  const backend = tasksBackend ?? sqliteBackend({ path: tasksDb() });
  const runtime = new TaskRuntime({ backend, queues: { mail: { concurrency: 1 } } }).attach(app);
  // At boot: e-mails queued before a restart are sent by this process.
  runtime.register(newsletter, passwordReset);
  return app.include(new TasksController(runtime));
}
