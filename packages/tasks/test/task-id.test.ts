import { describe, expect, it } from 'vitest';
import { taskId } from '../src/task-id.js';

describe('task ids', () => {
  it('are UUIDs of version 7 (RFC 9562), unique, whose first 48 bits are the time in milliseconds', () => {
    const before = Date.now();
    const ids = Array.from({ length: 5_000 }, () => taskId());
    const after = Date.now();
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    const ms = (id: string) => Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(ms(ids[0]!)).toBeGreaterThanOrEqual(before);
    expect(ms(ids.at(-1)!)).toBeLessThanOrEqual(after);
  });

  it('sort by the millisecond they were made in', async () => {
    const first = taskId();
    await new Promise((resolve) => setTimeout(resolve, 2));
    const second = taskId();
    expect(first < second).toBe(true);
  });
});
