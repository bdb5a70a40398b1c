import { fileURLToPath } from 'node:url';

/** A server under test: one file in src/targets, compiled to dist/targets. */
export interface Target {
  id: string;
  /** How the report names it. */
  title: string;
  /** The compiled entry point. */
  file: string;
}

// The compiled file, found from the package root, so that the sources (in the test) and dist agree.
const entry = (name: string) => fileURLToPath(new URL(`../../dist/targets/${name}.js`, import.meta.url));

/** Every target, raw node:http first: the ratios are taken against it. */
export const targets: Target[] = [
  { id: 'raw', title: 'node:http (raw)', file: entry('raw') },
  { id: 'fastify', title: 'fastify', file: entry('fastify') },
  { id: 'hono', title: 'hono', file: entry('hono') },
  { id: 'express', title: 'express', file: entry('express') },
  { id: 'nest', title: 'NestJS (fastify)', file: entry('nest') },
  { id: 'fastts', title: 'fastts', file: entry('fastts') },
];

export const BASELINE = 'raw';

/**
 * The order targets are measured in within a round (reversed every other
 * round). The goals compare fastts with raw and with fastify, and a shared
 * machine's speed drifts within seconds, so those pairs run back to back:
 * raw, fastts, fastify, then the rest.
 */
export const MEASURE_ORDER = ['raw', 'fastts', 'fastify', 'nest', 'hono', 'express'];

export function inMeasureOrder<T extends { id: string }>(list: T[]): T[] {
  const rank = (id: string) => (MEASURE_ORDER.includes(id) ? MEASURE_ORDER.indexOf(id) : MEASURE_ORDER.length);
  return [...list].sort((a, b) => rank(a.id) - rank(b.id));
}
