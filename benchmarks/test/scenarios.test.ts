import { describe, expect, it } from 'vitest';
import { scenarios } from '../src/harness/scenarios.js';
import { BENCH_TOKEN } from '../src/shared/auth.js';
import { servesScenario, targets } from '../src/harness/targets.js';

describe('which targets each scenario measures', () => {
  const measuredIn = (scenario: string) => targets.filter((t) => servesScenario(t, scenario)).map((t) => t.id);

  it('measures hello-mw on the middleware targets and on raw, fastify and fastts, for the ratios in the same rounds', () => {
    expect(measuredIn('hello-mw')).toEqual(['raw', 'fastify', 'fastts', 'fastify-mw', 'fastts-mw']);
  });

  it('measures the middleware targets in hello-mw only, and the other scenarios as before', () => {
    for (const scenario of scenarios.filter((s) => s.id !== 'hello-mw')) {
      expect(measuredIn(scenario.id)).not.toContain('fastify-mw');
      expect(measuredIn(scenario.id)).not.toContain('fastts-mw');
    }
    expect(measuredIn('hello')).toEqual(['raw', 'fastify', 'hono', 'express', 'nest', 'fastts']);
  });

  it('sends the origin the middleware targets allow, so their CORS headers are part of every measured answer', () => {
    const helloMw = scenarios.find((s) => s.id === 'hello-mw')!;
    const origins = targets.filter((t) => t.corsOrigin !== undefined).map((t) => [t.id, t.corsOrigin]);
    expect(origins).toEqual([
      ['fastify-mw', helloMw.headers?.['Origin']],
      ['fastts-mw', helloMw.headers?.['Origin']],
    ]);
    expect(helloMw.headers).toEqual({ Origin: 'http://front.example', 'Accept-Encoding': 'gzip' });
  });

  it('measures post-items-auth on raw, fastify and fastts, and sends post-items\'s body with the bearer token', () => {
    expect(measuredIn('post-items-auth')).toEqual(['raw', 'fastify', 'fastts']);
    const plain = scenarios.find((s) => s.id === 'post-items')!;
    const auth = scenarios.find((s) => s.id === 'post-items-auth')!;
    expect(auth).toMatchObject({ method: 'POST', path: '/items-auth', body: plain.body, headers: { Authorization: `Bearer ${BENCH_TOKEN}` } });
    // post-items's request stays as it was before the auth scenario.
    expect(plain).toEqual({ id: 'post-items', title: 'POST /items (validated)', method: 'POST', path: '/items', body: '{"name":"widget","price":9.99,"tags":["a","b"]}' });
  });
});
