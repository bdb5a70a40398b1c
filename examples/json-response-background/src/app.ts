import { App, BackgroundTask, BackgroundTasks, Body, Controller, JSONResponse, Post, type AppOptions } from '@fastts/core';

/** What the tasks did, in order: a stand-in for a mail server and an admin channel. */
export const events: string[] = [];

export async function sendWelcomeEmail(toAddress: string): Promise<void> {
  events.push(`welcome e-mail to ${toAddress}`);
}

export async function sendAdminNotification(username: string): Promise<void> {
  events.push(`admin notified of ${username}`);
}

export async function writeAudit(entry: string): Promise<void> {
  events.push(`audit: ${entry}`);
}

/**
 * Starlette's background examples: the handler builds its Response itself and
 * gives it the work to do after the body is written.
 */
@Controller()
export class SignupController {
  /** Several tasks: a BackgroundTasks built by hand, run in the order added. */
  @Post('/signup')
  signup(@Body('username') username: string, @Body('email') email: string): JSONResponse {
    const tasks = new BackgroundTasks();
    tasks.addTask(sendWelcomeEmail, email);
    tasks.addTask(sendAdminNotification, username);
    return new JSONResponse({ status: 'Signup successful' }, { background: tasks });
  }

  /** One task: a single BackgroundTask. */
  @Post('/signup/quiet')
  signupQuiet(@Body('username') _username: string, @Body('email') email: string): JSONResponse {
    const task = new BackgroundTask(sendWelcomeEmail, email);
    return new JSONResponse({ status: 'Signup successful' }, { background: task });
  }

  /**
   * Both: injected tasks and a Response with its own background. fastts runs
   * the injected ones first, then the Response's; FastAPI would silently drop
   * the injected ones (fastapi/fastapi#11215).
   */
  @Post('/signup/audited', { statusCode: 201 })
  signupAudited(@Body('username') username: string, @Body('email') email: string, tasks: BackgroundTasks): JSONResponse {
    tasks.addTask(writeAudit, `signup of ${username}`);
    return new JSONResponse({ status: 'Signup successful' }, { status: 201, background: new BackgroundTask(sendWelcomeEmail, email) });
  }
}

export function createApp(options: AppOptions = {}): App {
  return new App(options).include(SignupController);
}
