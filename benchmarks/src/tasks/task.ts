import { defineTask } from '@fastts/tasks';

/** JSON bytes of one task's arguments, as the issue asks: 1 KiB. */
export const ARGS_BYTES = 1024;

const message = (i: number, body: string): Message => ({ id: i, to: `user-${String(i).padStart(9, '0')}@example.com`, subject: 'Welcome', body });
// The JSON's length without the body, less the digits of the id: what varies per task.
const frame = JSON.stringify([message(0, '')]).length - 1;
const bodies = new Map<number, string>();

/** The arguments of task `i` (0 to 999,999,999): an email-like object whose JSON (the stored form, `[{...}]`) is exactly ARGS_BYTES long. */
export function taskArgs(i: number): [Message] {
  const length = ARGS_BYTES - frame - String(i).length;
  let body = bodies.get(length);
  if (body === undefined) bodies.set(length, (body = 'x'.repeat(length)));
  return [message(i, body)];
}

export interface Message {
  id: number;
  to: string;
  subject: string;
  body: string;
}

/** The trivial named task: reads its argument and returns nothing, so what is measured is the runtime and the backend. */
export const deliver = defineTask('bench-deliver', (message: Message) => {
  if (message.body.length === 0) throw new Error('empty message');
});
