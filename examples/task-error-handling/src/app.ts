import { App, BackgroundTasks, Controller, Get, Path, Post, type AppOptions, type TaskErrorInfo } from '@fastts/core';

/** What a mail server says when it refuses a message. */
export class SmtpError extends Error {
  readonly code: number;

  constructor(code: number, message: string) {
    super(`${code} ${message}`);
    this.name = 'SmtpError';
    this.code = code;
  }
}

export interface SentEmail {
  to: string;
  subject: string;
}

/** Stand-ins for a mail server and an audit table. */
export const outbox: SentEmail[] = [];
export const auditLog: string[] = [];

/** A task failure as the app keeps it: the task's name, the route, the request id and the message. */
export interface FailureReport extends TaskErrorInfo {
  error: string;
}

export const failures: FailureReport[] = [];

/** Mailboxes at `invalid.example` do not exist: the server refuses them, as a real one would. */
export async function sendEmail(to: string, subject: string): Promise<void> {
  if (to.endsWith('@invalid.example')) throw new SmtpError(550, `mailbox unavailable: ${to}`);
  outbox.push({ to, subject });
}

export async function writeAudit(entry: string): Promise<void> {
  auditLog.push(entry);
}

/**
 * Called by fastts for every task that throws, after it has logged the error.
 * The client got its response long ago; this is the place to alert someone.
 */
export function reportTaskFailure(error: unknown, info: TaskErrorInfo): void {
  failures.push({ ...info, error: error instanceof Error ? error.message : String(error) });
}

@Controller()
export class MailController {
  /**
   * Queues the e-mail, then an audit entry. Each task is isolated: when the
   * e-mail fails, the audit entry is still written (Starlette would stop at
   * the first failure).
   */
  @Post('/send-email/{email}')
  queueEmail(@Path('email') email: string, tasks: BackgroundTasks) {
    tasks.addTask(sendEmail, email, 'Welcome!');
    tasks.addTask(writeAudit, `welcome e-mail queued for ${email}`);
    return { message: 'E-mail queued' };
  }

  @Get('/failures')
  listFailures(): FailureReport[] {
    return failures;
  }
}

export function createApp(options: AppOptions = {}): App {
  return new App({ ...options, onTaskError: reportTaskFailure }).include(MailController);
}
