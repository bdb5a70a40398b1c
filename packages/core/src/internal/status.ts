import { STATUS_CODES } from 'node:http';

/** The reason phrase of a status code, as FastAPI uses it for default `detail`s. */
export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Unknown Status';
}

/** Statuses whose responses never carry a body (RFC 9110 §6.4.1, §15.3.5, §15.4.5). */
export function statusHasNoBody(status: number): boolean {
  return status < 200 || status === 204 || status === 205 || status === 304;
}
