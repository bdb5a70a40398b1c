import { describe, expect, it } from 'vitest';
import { parseTemplate } from './template.js';
import type { Pattern } from './pattern.js';

function patternOf(part: string): Pattern {
  const [segment] = parseTemplate(`/${part}`).segments;
  if (segment?.kind !== 'pattern') throw new Error(`${part} is not a pattern segment`);
  return segment.pattern;
}

function match(pattern: Pattern, segment: string): string[] | undefined {
  const captures: string[] = [];
  const count = pattern.match(segment, captures, 0);
  return count < 0 ? undefined : captures.slice(0, count);
}

/** The regex the router used to build, `^text([^/]+)text...$`: the reference for what a match is. */
function reference(part: string): RegExp {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${part.split(/\{[A-Za-z_][A-Za-z0-9_]*\}/).map(escape).join('([^/]+)')}$`);
}

describe('Pattern', () => {
  it('splits greedily from the left, as the regex did', () => {
    expect(match(patternOf('{name}.{ext}'), 'a.b.png')).toEqual(['a.b', 'png']);
    expect(match(patternOf('{a}-{b}-{c}.txt'), 'x-y-z-w.txt')).toEqual(['x-y', 'z', 'w']);
    expect(match(patternOf('{a}{b}'), 'abc')).toEqual(['ab', 'c']);
    expect(match(patternOf('v{major}.{minor}'), 'v1.2')).toEqual(['1', '2']);
    expect(match(patternOf('{a}--{b}'), 'x---y')).toEqual(['x-', 'y']);
    expect(match(patternOf('{a}.{b}'), 'a/b.c')).toBeUndefined();
    expect(match(patternOf('{a}.{b}'), '.b')).toBeUndefined();
    expect(match(patternOf('{a}.{b}'), 'a.')).toBeUndefined();
    expect(match(patternOf('x{a}x'), 'xx')).toBeUndefined();
    expect(match(patternOf('x{a}x'), 'xxx')).toEqual(['x']);
  });

  it('finds the match the regex finds, for every short segment over the literals\' characters', () => {
    const parts = ['{a}.{b}', '{a}-{b}-{c}.txt', '{a}{b}', '{a}{b}{c}', 'p{a}aa{b}a', '{a}ab{b}ba{c}', '-{a}-', '{a}--{b}-{c}'];
    const alphabet = ['a', 'b', '-', '.', 't', 'x', '/'];
    const differ: string[] = [];
    let compared = 0;
    for (const part of parts) {
      const pattern = patternOf(part);
      const regex = reference(part);
      // Every segment up to 6 characters long over the alphabet.
      let segments = [''];
      for (let length = 1; length <= 6; length++) {
        segments = segments.flatMap((s) => alphabet.map((c) => s + c));
        for (const segment of segments) {
          const expected = regex.exec(segment)?.slice(1);
          const got = match(pattern, segment);
          compared++;
          if (JSON.stringify(got) !== JSON.stringify(expected)) differ.push(`${part} on '${segment}': ${JSON.stringify(got)}, regex ${JSON.stringify(expected)}`);
        }
      }
    }
    expect(differ.slice(0, 10)).toEqual([]);
    expect(compared).toBe(parts.length * ((7 ** 7 - 7) / 6));
  });

  it('takes time linear in the segment, where the regex took cubic', () => {
    const pattern = patternOf('{a}-{b}-{c}.txt');
    const time = (segment: string) => {
      const started = performance.now();
      for (let i = 0; i < 20; i++) pattern.match(segment, [], 0);
      return performance.now() - started;
    };
    // 64 KiB of separators, and the same with the suffix, which makes every separator a candidate.
    expect(time('-'.repeat(64 * 1024))).toBeLessThan(250);
    expect(match(pattern, `${'-'.repeat(64 * 1024)}.txt`)).toEqual(['-'.repeat(64 * 1024 - 4), '-', '-']);
    expect(time(`${'-'.repeat(64 * 1024)}.txt`)).toBeLessThan(250);
    expect(time(`${'a'.repeat(64 * 1024)}.txt`)).toBeLessThan(250);
  });
});
