import type { Readable } from 'node:stream';

/** One log line of a child process: its JSON object (pino writes one per line), or `{ text }` for a line that is not JSON. */
export type LogLine = Record<string, unknown>;

/**
 * Collects the lines a child process writes to `stream` into the returned
 * array as they come, and hands each to `onLine` (to resolve on a `listening`
 * line, say). What the tests that spawn servers and workers read their logs with.
 */
export function logLines(stream: Readable, onLine?: (line: LogLine) => void): LogLine[] {
  const lines: LogLine[] = [];
  let buffered = '';
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let end;
    while ((end = buffered.indexOf('\n')) >= 0) {
      const text = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      let line: LogLine;
      try {
        line = text.startsWith('{') ? (JSON.parse(text) as LogLine) : { text };
      } catch {
        line = { text };
      }
      lines.push(line);
      onLine?.(line);
    }
  });
  return lines;
}
