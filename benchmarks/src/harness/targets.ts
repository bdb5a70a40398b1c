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
