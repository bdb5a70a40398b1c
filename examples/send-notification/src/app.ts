import { appendFile } from 'node:fs/promises';
import { App, BackgroundTasks, Controller, Path, Post, type AppOptions } from '@fastts/core';

/** Where `writeNotification` appends; LOG_FILE overrides it. */
export const logFile = () => process.env['LOG_FILE'] ?? 'log.txt';

export async function writeNotification(email: string, message = ''): Promise<void> {
  await appendFile(logFile(), `notification for ${email}: ${message}\n`);
}

@Controller()
export class NotificationController {
  @Post('/send-notification/{email}')
  sendNotification(@Path('email') email: string, tasks: BackgroundTasks) {
    tasks.addTask(writeNotification, email, 'some notification');
    return { message: 'Notification sent in the background' };
  }
}

export function createApp(options: AppOptions = {}): App {
  return new App(options).include(NotificationController);
}
