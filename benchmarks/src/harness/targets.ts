import { fileURLToPath } from 'node:url';
import { FRONT_ORIGIN } from '../shared/middleware.js';
import { scenarios } from './scenarios.js';

/** A server under test: one file in src/targets, compiled to dist/targets. */
export interface Target {
  id: string;
  /** How the report names it. */
  title: string;
  /** The compiled entry point. */
  file: string;
  /** Extra environment of its server. */
  env?: Record<string, string>;
  /** The scenarios it is measured in (default: all). */
  scenarios?: string[];
  /** A path of its own for a scenario, loaded instead of the scenario's. */
  paths?: Record<string, string>;
  /**
   * Serves POST /bg-durable, checked by checkDurableTasks: `run` runs the tasks
   * (counted by GET /bg-count like the others), `store` only stores them
   * (counted as queued by GET /bg-durable/stats).
   */
  durableTasks?: 'run' | 'store';
  /** Registers CORS for this origin (with credentials) and GZip: checkCorsAndGzip checks both answer. */
  corsOrigin?: string;
  /** Cores its server may run on when the harness pins (a taskset list), instead of the server core. */
  cpus?: string;
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
  // The fastts server with a SQLite task runtime, loaded on POST /bg-durable in
  // the bg scenario's rounds: the request cost of a durable task, next to /bg.
  // The goal's: the task is stored, and worker processes would run it.
  {
    id: 'fastts-durable',
    title: 'fastts, durable task stored (POST /bg-durable, work: false)',
    file: entry('fastts'),
    env: { BENCH_DURABLE_TASKS: 'store' },
    scenarios: ['bg'],
    paths: { bg: '/bg-durable' },
    durableTasks: 'store',
  },
  // The same server running its tasks too (the default): request, store, claim, run and settle on one core.
  {
    id: 'fastts-durable-run',
    title: 'fastts, durable task stored and run (POST /bg-durable)',
    file: entry('fastts'),
    env: { BENCH_DURABLE_TASKS: 'run' },
    scenarios: ['bg'],
    paths: { bg: '/bg-durable' },
    durableTasks: 'run',
  },
  // Issue 17: the fastify and fastts servers with CORS and GZip registered
  // (BENCH_MIDDLEWARE), measured in hello-mw next to the same servers without.
  {
    id: 'fastify-mw',
    title: 'fastify, @fastify/cors + @fastify/compress',
    file: entry('fastify'),
    env: { BENCH_MIDDLEWARE: '1' },
    scenarios: ['hello-mw'],
    corsOrigin: FRONT_ORIGIN,
  },
  {
    id: 'fastts-mw',
    title: 'fastts, cors() + gzip()',
    file: entry('fastts'),
    env: { BENCH_MIDDLEWARE: '1' },
    scenarios: ['hello-mw'],
    corsOrigin: FRONT_ORIGIN,
  },
  // Issue 19: serve() with 2 worker processes (WEB_CONCURRENCY, node:cluster) on
  // GET /items. Pinned like every target, both workers share the server core:
  // the same CPU budget as fastts, so it shows what the cluster costs. The
  // -2cores one may use both cores, one of them shared with the load generator:
  // what a second core buys on this 2-core machine (see results/workers.md).
  { id: 'fastts-workers2', title: 'fastts, serve() with 2 workers (WEB_CONCURRENCY=2), on the server core', file: entry('fastts'), env: { WEB_CONCURRENCY: '2' }, scenarios: ['items'] },
  {
    id: 'fastts-workers2-2cores',
    title: 'fastts, serve() with 2 workers (WEB_CONCURRENCY=2), on both cores (one shared with the load generator)',
    file: entry('fastts'),
    env: { WEB_CONCURRENCY: '2' },
    scenarios: ['items'],
    cpus: '0,1',
  },
];

export const BASELINE = 'raw';

/**
 * The order targets are measured in within a round (reversed every other
 * round). The goals compare fastts with raw and with fastify, and a shared
 * machine's speed drifts within seconds, so those pairs run back to back:
 * raw, fastts, fastify, then the rest. fastts-durable (bg only) comes just
 * before raw (fastts-durable-run before it), so each stays within three runs of raw and fastts.
 * In hello-mw, fastts-mw runs next to fastts and fastify-mw next to fastify.
 */
export const MEASURE_ORDER = ['fastts-durable-run', 'fastts-durable', 'raw', 'fastts', 'fastts-workers2', 'fastts-workers2-2cores', 'fastts-mw', 'fastify-mw', 'fastify', 'nest', 'hono', 'express'];

/** Whether `target` is measured in `scenario`: both the target's and the scenario's lists, where given, name the other. */
export function servesScenario(target: Target, scenario: string): boolean {
  const only = scenarios.find((s) => s.id === scenario)?.targets;
  return (target.scenarios === undefined || target.scenarios.includes(scenario)) && (only === undefined || only.includes(target.id));
}

/** The scenario as `target` is loaded with it (its own path, if it has one). */
export function scenarioFor<S extends { id: string; path: string }>(target: Target, scenario: S): S {
  const path = target.paths?.[scenario.id];
  return path === undefined ? scenario : { ...scenario, path };
}

export function inMeasureOrder<T extends { id: string }>(list: T[]): T[] {
  const rank = (id: string) => (MEASURE_ORDER.includes(id) ? MEASURE_ORDER.indexOf(id) : MEASURE_ORDER.length);
  return [...list].sort((a, b) => rank(a.id) - rank(b.id));
}
