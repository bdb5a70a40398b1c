import { setTimeout as sleep } from 'node:timers/promises';
import { App, BackgroundTasks, Body, Controller, Post, RequestValidationError, type AppOptions } from '@fastts/core';

export interface Email {
  to: string;
  subject: string;
  text: string;
}

/** Stand-in for a mail server: e-mails land here once "sent". */
export const outbox: Email[] = [];

/** Talking to a mail server takes a while; `delayMs` plays that part. */
export async function sendWelcomeEmail(email: Email, delayMs: number): Promise<void> {
  await sleep(delayMs);
  outbox.push(email);
}

export function welcomeEmail(to: string, name: string | undefined): Email {
  return { to, subject: 'Welcome!', text: `Hi ${name ?? 'there'}, thanks for signing up.` };
}

export interface SignupOptions {
  /** How long sending an e-mail takes. Default: EMAIL_DELAY_MS, else 200. */
  emailDelayMs?: number;
}

@Controller()
export class SignupController {
  readonly #emailDelayMs: number;

  constructor(options: SignupOptions = {}) {
    this.#emailDelayMs = options.emailDelayMs ?? Number(process.env['EMAIL_DELAY_MS'] ?? 200);
  }

  /** Answers at once; the e-mail goes out after the response, on the event loop. */
  @Post('/signup', { statusCode: 201 })
  signup(@Body('email') email: string, tasks: BackgroundTasks, @Body('name', { optional: true }) name?: string) {
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) {
      const reason = 'An email address must have exactly one @-sign and no spaces.';
      throw new RequestValidationError([
        { type: 'value_error', loc: ['body', 'email'], msg: `value is not a valid email address: ${reason}`, input: email, ctx: { reason } },
      ]);
    }
    tasks.addTask(sendWelcomeEmail, welcomeEmail(email, name), this.#emailDelayMs);
    return { email, name: name ?? null, status: 'signed up; welcome e-mail on its way' };
  }
}

export function createApp(options: AppOptions & SignupOptions = {}): App {
  const { emailDelayMs, ...appOptions } = options;
  return new App(appOptions).include(new SignupController({ emailDelayMs }));
}
