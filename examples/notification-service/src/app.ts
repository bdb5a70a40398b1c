import { appendFile } from 'node:fs/promises';
import { App, BackgroundTasks, Controller, Depends, Injectable, Path, Post, Query, dependency, type AppOptions } from '@fastts/core';

/** Where `writeLog` appends; LOG_FILE overrides it. Read at call time. */
export const logFile = () => process.env['LOG_FILE'] ?? 'log.txt';

export async function writeLog(message: string): Promise<void> {
  await appendFile(logFile(), message);
}

/**
 * FastAPI's `get_query`: a dependency that receives the request's
 * BackgroundTasks (the same instance the endpoint gets) and adds a task of
 * its own. Dependencies run before the endpoint, so this task runs first.
 */
export const getQuery = dependency([BackgroundTasks, Query('q', { optional: true })], (tasks, q) => {
  if (q) tasks.addTask(writeLog, `found query: ${q}\n`);
  return q;
});

/**
 * A class dependency built per request around that same BackgroundTasks.
 * `@Injectable()` makes TypeScript emit the constructor's parameter types,
 * which is how fastts knows to hand it the BackgroundTasks.
 */
@Injectable()
export class NotificationService {
  constructor(readonly tasks: BackgroundTasks) {}

  notify(email: string, message: string): void {
    this.tasks.addTask(writeLog, `notification for ${email}: ${message}\n`);
  }
}

@Controller()
export class NotificationController {
  /** FastAPI's background-tasks tutorial 002, line for line. */
  @Post('/send-notification/{email}')
  sendNotification(@Path('email') email: string, tasks: BackgroundTasks, @Depends(getQuery) _q: string | undefined) {
    tasks.addTask(writeLog, `message to ${email}\n`);
    return { message: 'Message sent' };
  }

  /** The same, with the e-mail task written by the class-based service. */
  @Post('/notify/{email}')
  notify(@Path('email') email: string, @Depends(getQuery) _q: string | undefined, @Depends(NotificationService) notifications: NotificationService) {
    notifications.notify(email, 'some notification');
    return { message: 'Notification queued' };
  }
}

export function createApp(options: AppOptions = {}): App {
  return new App(options).include(NotificationController);
}
