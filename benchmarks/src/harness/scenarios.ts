import { BENCH_AUTHORIZATION } from '../shared/auth.js';
import { FRONT_ORIGIN } from '../shared/middleware.js';

/** One request shape that the load generator repeats against every target. */
export interface Scenario {
  id: string;
  /** How the report names it. */
  title: string;
  method: 'GET' | 'POST';
  path: string;
  /** A JSON body, sent with content-type application/json. */
  body?: string;
  /** Extra request headers, sent with every request of the run. */
  headers?: Record<string, string>;
  /** Whether the run feeds the background list, so the harness can count the tasks that ran. */
  background?: boolean;
  /** The targets measured in it (default: every target that serves it). */
  targets?: string[];
}

const itemBody = JSON.stringify({ name: 'widget', price: 9.99, tags: ['a', 'b'] });

export const scenarios: Scenario[] = [
  { id: 'hello', title: 'GET /hello', method: 'GET', path: '/hello' },
  { id: 'items', title: 'GET /items/{id}?q=', method: 'GET', path: '/items/42?q=hello' },
  {
    id: 'post-items',
    title: 'POST /items (validated)',
    method: 'POST',
    path: '/items',
    body: itemBody,
  },
  // Issue 18: post-items behind a bearer-token check (fastts: HTTPBearer and
  // compareSecret in a route dependency; fastify: an onRequest hook; raw: by
  // hand), on a path of its own so that post-items stays as it was.
  {
    id: 'post-items-auth',
    title: 'POST /items-auth (validated, bearer token)',
    method: 'POST',
    path: '/items-auth',
    body: itemBody,
    headers: { Authorization: BENCH_AUTHORIZATION },
    targets: ['raw', 'fastify', 'fastts'],
  },
  { id: 'bg', title: 'POST /bg (background task)', method: 'POST', path: '/bg', background: true },
  { id: 'bg-slow', title: 'POST /bg-slow (50 ms task)', method: 'POST', path: '/bg-slow', background: true },
  { id: 'big', title: 'GET /big (64 KiB JSON)', method: 'GET', path: '/big' },
  { id: 'deps', title: 'GET /deps (3 nested deps)', method: 'GET', path: '/deps' },
  // Issue 17: what registered CORS and GZip middleware cost a small answer. The
  // request is a browser's cross-origin call, so CORS adds its headers; the body
  // stays below the GZip minimum, so nothing is compressed. raw, fastify and
  // fastts (no middleware; they ignore the headers) give the ratios in the same rounds.
  {
    id: 'hello-mw',
    title: 'GET /hello, CORS + GZip registered',
    method: 'GET',
    path: '/hello',
    headers: { Origin: FRONT_ORIGIN, 'Accept-Encoding': 'gzip' },
    targets: ['raw', 'fastify', 'fastify-mw', 'fastts', 'fastts-mw'],
  },
];
