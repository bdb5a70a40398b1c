import { setTimeout as sleep } from 'node:timers/promises';
import { App, BackgroundTasks, Body, Controller, Get, Path, Post, type AppOptions } from '@fastts/core';
import { defineTask, TaskRuntime, TasksController } from '@fastts/tasks';

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

export function createApp(options: AppOptions = {}): App {
  outbox.length = 0;
  const app = new App(options).include(MailController);
  const runtime = new TaskRuntime({ queues: { mail: { concurrency: 1 } } }).attach(app);
  return app.include(new TasksController(runtime));
}
