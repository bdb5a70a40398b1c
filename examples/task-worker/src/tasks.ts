import { appendFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { currentTask, defineTask, inject } from '@fastts/tasks';
import { sqliteBackend, type SqliteBackend } from '@fastts/tasks-sqlite';

// What both processes share: the task definitions and the file. The API
// process enqueues them, the worker process runs them; neither holds the
// other's memory, so everything a task needs travels as its arguments.

/** The SQLite file tasks are kept in: FASTTS_TASKS_DB, else tasks.db in this example's folder. */
export const tasksDb = () => process.env['FASTTS_TASKS_DB'] ?? fileURLToPath(new URL('../tasks.db', import.meta.url));

/** Where sent e-mails are appended, one JSON line each; OUTBOX_FILE overrides it. */
export const outboxFile = () => process.env['OUTBOX_FILE'] ?? fileURLToPath(new URL('../outbox.jsonl', import.meta.url));

export function tasksBackend(): SqliteBackend {
  return sqliteBackend({ path: tasksDb() });
}

/** Stands for an SMTP client: solved in each attempt's own scope, in the worker process. */
export class Mailer {
  async send(to: string, subject: string): Promise<void> {
    const task = currentTask();
    await appendFile(outboxFile(), `${JSON.stringify({ to, subject, taskId: task?.id, pid: process.pid })}\n`);
  }
}

export const sendWelcome = defineTask(
  'send-welcome',
  inject({ mailer: Mailer }, async ({ mailer }, email: string) => {
    await mailer.send(email, 'Welcome!');
    // The task's id is the idempotency key to give the mail provider: delivery is at least once.
    return { sent: email, worker: process.pid };
  }),
  { queue: 'mail', maxAttempts: 3 },
);
