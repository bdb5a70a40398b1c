import { describe, expect, it } from 'vitest';
import { StringTable } from './string-table.js';

describe('StringTable', () => {
  it('finds keys of the same length apart, and misses keys of other lengths', () => {
    const table = new StringTable<number>();
    table.set('/bg', 1);
    table.set('/io', 2);
    table.set('/hello', 3);
    expect([table.get('/bg'), table.get('/io'), table.get('/hello')]).toEqual([1, 2, 3]);
    expect([table.get('/bh'), table.get('/b'), table.get('/hello/'), table.get(''), table.get('x'.repeat(500))]).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(table.size).toBe(3);
  });

  it('matches a key built at run time, not only the literal it was stored under', () => {
    const table = new StringTable<string>();
    table.set('/items', 'items');
    const fromRequest = ['/', 'it', 'ems'].join('');
    expect(table.get(fromRequest)).toBe('items');
  });

  it('replaces the value of a key set twice', () => {
    const table = new StringTable<number>();
    table.set('a', 1);
    table.set('a', 2);
    expect(table.get('a')).toBe(2);
    expect(table.size).toBe(1);
  });

  it('looks up many keys of one length (past the scanned group size) through its map', () => {
    const table = new StringTable<number>();
    const keys = Array.from({ length: 40 }, (_, i) => `/k${String(i).padStart(3, '0')}`);
    keys.forEach((key, i) => table.set(key, i));
    keys.forEach((key, i) => expect(table.get(key)).toBe(i));
    expect(table.get('/k999')).toBeUndefined();
  });

  it('forgets everything on clear', () => {
    const table = new StringTable<number>();
    table.set('/a', 1);
    table.clear();
    expect(table.get('/a')).toBeUndefined();
    expect(table.size).toBe(0);
    table.set('/a', 2);
    expect(table.get('/a')).toBe(2);
  });
});
