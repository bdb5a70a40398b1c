import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { BENCH_TOKEN } from '../shared/auth.js';
import { bigPayload } from '../shared/payload.js';
import { SLOW_TASK_MS } from '../shared/tasks.js';
import { scenarios } from './scenarios.js';
import { servesScenario, type Target } from './targets.js';

/** One failed expectation of the correctness check. */
export interface CheckFailure {
  check: string;
  message: string;
}

interface Reply {
  status: number;
  contentType: string;
  text: string;
  json: unknown;
}

const valid = { name: 'widget', price: 9.99, tags: ['a', 'b'] };

/** Bodies every target must refuse with 422. */
const invalidItems: [string, unknown][] = [
  ['empty name', { name: '', price: 1 }],
  ['name of 51 characters', { name: 'n'.repeat(51), price: 1 }],
  ['price 0', { name: 'widget', price: 0 }],
  ['negative price', { name: 'widget', price: -1 }],
  ['price not a number', { name: 'widget', price: 'abc' }],
  ['name missing', { price: 1 }],
  ['price missing', { name: 'widget' }],
  ['tag not a string', { name: 'widget', price: 1, tags: [{}] }],
  ['body not an object', [1, 2]],
];

/**
 * Runs every scenario's behaviour against a running target, the same checks
 * for all of them, so that none is measured doing less work than the others:
 * bodies and statuses, the 422 cases, and that the background tasks really
 * run, after the response. Resolves with the failures (none: correct).
 * `oneProcess: false` (a cluster target) skips the /bg checks: /bg-count is
 * the count of the process that answers, and the task may have run in another.
 */
export async function checkTarget(baseUrl: string, { oneProcess = true } = {}): Promise<CheckFailure[]> {
  const failures: CheckFailure[] = [];
  const call = async (method: string, path: string, body?: unknown): Promise<Reply> => {
    const init: RequestInit =
      body === undefined ? { method } : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    const res = await fetch(baseUrl + path, { ...init, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, json };
  };
  const check = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      failures.push({ check: name, message: err instanceof Error ? err.message : String(err) });
    }
  };
  const expectReply = (reply: Reply, status: number, json?: unknown) => {
    if (reply.status !== status) throw new Error(`status ${reply.status}, expected ${status}: ${reply.text.slice(0, 300)}`);
    if (!reply.contentType.startsWith('application/json')) throw new Error(`content-type ${JSON.stringify(reply.contentType)}, expected application/json`);
    if (json !== undefined && !isDeepStrictEqual(reply.json, json)) {
      throw new Error(`body ${reply.text.slice(0, 300)}, expected ${JSON.stringify(json)}`);
    }
  };
  const bgCount = async (): Promise<number> => {
    const reply = await call('GET', '/bg-count');
    expectReply(reply, 200);
    const count = (reply.json as { count?: unknown }).count;
    if (typeof count !== 'number') throw new Error(`GET /bg-count answered ${reply.text}, expected {"count": <number>}`);
    return count;
  };
  const waitForCount = async (atLeast: number, what: string) => {
    const deadline = Date.now() + 2000;
    for (;;) {
      const count = await bgCount();
      if (count >= atLeast) return;
      if (Date.now() > deadline) throw new Error(`${what}: /bg-count stayed at ${count}, expected ${atLeast}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  await check('GET /hello', async () => expectReply(await call('GET', '/hello'), 200, { message: 'hello' }));
  await check('GET /items/42?q=hello', async () => expectReply(await call('GET', '/items/42?q=hello'), 200, { item_id: 42, q: 'hello' }));
  await check('GET /items/7 without q', async () => expectReply(await call('GET', '/items/7'), 200, { item_id: 7, q: null }));
  for (const id of ['abc', '1.5']) {
    await check(`GET /items/${id} is 422`, async () => expectReply(await call('GET', `/items/${id}`), 422));
  }
  await check('POST /items echoes the item with 201', async () => expectReply(await call('POST', '/items', valid), 201, valid));
  await check('POST /items without tags', async () => {
    expectReply(await call('POST', '/items', { name: 'w', price: 0.5 }), 201, { name: 'w', price: 0.5 });
  });
  await check('POST /items drops unknown keys', async () => {
    expectReply(await call('POST', '/items', { ...valid, extra: true }), 201, valid);
  });
  for (const [name, body] of invalidItems) {
    await check(`POST /items is 422 for ${name}`, async () => expectReply(await call('POST', '/items', body), 422));
  }
  if (oneProcess) {
    await check('POST /bg runs its task after the response', async () => {
      const before = await bgCount();
      expectReply(await call('POST', '/bg'), 200, { ok: true });
      await waitForCount(before + 1, 'the /bg task did not run');
    });
    await check('POST /bg-slow answers before its 50 ms task ends', async () => {
      const before = await bgCount();
      const started = performance.now();
      const reply = await call('POST', '/bg-slow');
      const elapsed = performance.now() - started;
      expectReply(reply, 200, { ok: true });
      const after = await bgCount();
      if (elapsed >= SLOW_TASK_MS || after !== before) {
        throw new Error(`answered in ${elapsed.toFixed(1)} ms with /bg-count ${after} (was ${before}): the response waited for the task`);
      }
      await waitForCount(before + 1, 'the /bg-slow task did not run');
    });
  }
  await check('GET /big', async () => {
    const reply = await call('GET', '/big');
    expectReply(reply, 200);
    if (reply.text.length < 64 * 1024) throw new Error(`${reply.text.length} bytes, expected at least 64 KiB`);
    if (!isDeepStrictEqual(reply.json, bigPayload())) throw new Error('body differs from the 64 KiB payload');
  });
  await check('GET /deps', async () => expectReply(await call('GET', '/deps'), 200, { value: 3 }));
  await check('unknown path is 404', async () => {
    const reply = await call('GET', '/nope');
    if (reply.status !== 404) throw new Error(`status ${reply.status}, expected 404`);
  });
  return failures;
}

/** Every check that applies to `target`: the scenarios, and POST /bg-durable where it serves it. */
export async function checkServer(target: Target, baseUrl: string): Promise<CheckFailure[]> {
  const failures = await checkTarget(baseUrl, { oneProcess: target.env?.['WEB_CONCURRENCY'] === undefined });
  if (target.durableTasks) failures.push(...(await checkDurableTasks(baseUrl, target.durableTasks)));
  if (target.corsOrigin) failures.push(...(await checkCorsAndGzip(baseUrl, target.corsOrigin)));
  if (servesScenario(target, 'post-items-auth')) failures.push(...(await checkBearerAuth(baseUrl)));
  return failures;
}

/**
 * For the targets measured in post-items-auth: the scenario's own request
 * (its path, body and Authorization header) gets 201 and the item, so every
 * measured answer is a success; the token is really checked (missing, another
 * scheme, empty, wrong at the same and at another length: 401 with
 * `WWW-Authenticate: Bearer` and the same body everywhere); the scheme is read
 * in any case; and the body is still validated behind the check (422).
 */
export async function checkBearerAuth(baseUrl: string): Promise<CheckFailure[]> {
  const scenario = scenarios.find((s) => s.id === 'post-items-auth')!;
  const failures: CheckFailure[] = [];
  const post = async (headers: Record<string, string>, body = scenario.body!) => {
    const res = await fetch(baseUrl + scenario.path, {
      method: scenario.method,
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, challenge: res.headers.get('www-authenticate'), text };
  };
  const expect = async (name: string, headers: Record<string, string>, status: number, body?: unknown, sent?: string) => {
    try {
      const reply = await post(headers, sent);
      let json: unknown;
      try {
        json = JSON.parse(reply.text);
      } catch {
        json = undefined;
      }
      if (reply.status !== status || (status === 401 && reply.challenge !== 'Bearer') || (body !== undefined && !isDeepStrictEqual(json, body))) {
        throw new Error(
          `status ${reply.status}, WWW-Authenticate ${JSON.stringify(reply.challenge)}, body ${reply.text.slice(0, 300)}; ` +
            `expected ${status}${status === 401 ? ', Bearer' : ''}${body === undefined ? '' : `, ${JSON.stringify(body)}`}`,
        );
      }
    } catch (err) {
      failures.push({ check: `POST ${scenario.path} ${name}`, message: err instanceof Error ? err.message : String(err) });
    }
  };
  const item = JSON.parse(scenario.body!) as unknown;
  const missing = { detail: 'Not authenticated' };
  const invalid = { detail: 'Invalid token' };
  const wrongSameLength = BENCH_TOKEN.slice(0, -1) + (BENCH_TOKEN.endsWith('x') ? 'y' : 'x');
  await expect('with the scenario\'s headers is 201 and echoes the item', scenario.headers!, 201, item);
  await expect('with the scheme in lower case is 201', { authorization: `bearer ${BENCH_TOKEN}` }, 201, item);
  await expect('without Authorization is 401', {}, 401, missing);
  await expect('with another scheme is 401', { authorization: `Basic ${BENCH_TOKEN}` }, 401, missing);
  await expect('with an empty token is 401', { authorization: 'Bearer ' }, 401, missing);
  await expect('with a wrong token of the same length is 401', { authorization: `Bearer ${wrongSameLength}` }, 401, invalid);
  await expect('with a wrong token of another length is 401', { authorization: `Bearer ${BENCH_TOKEN}x` }, 401, invalid);
  await expect('with the token and price 0 is 422', scenario.headers!, 422, undefined, JSON.stringify({ name: 'widget', price: 0 }));
  return failures;
}

/** A GET by node:http, which, unlike fetch, neither adds Accept-Encoding nor decodes the body. */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers, signal: AbortSignal.timeout(10_000) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * For the middleware targets, that both middleware are really registered, so
 * hello-mw cannot measure a server that skips them: GET /hello from the
 * allowed origin (as hello-mw sends it) carries the CORS headers and is not
 * compressed (19 bytes, below the minimum); another origin gets no
 * Access-Control-Allow-Origin; GET /big (64 KiB) comes gzipped.
 */
export async function checkCorsAndGzip(baseUrl: string, origin: string): Promise<CheckFailure[]> {
  const failures: CheckFailure[] = [];
  const check = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      failures.push({ check: name, message: err instanceof Error ? err.message : String(err) });
    }
  };
  await check(`GET /hello from ${origin} gets the CORS headers, uncompressed`, async () => {
    const reply = await rawGet(`${baseUrl}/hello`, { origin, 'accept-encoding': 'gzip' });
    const seen = {
      status: reply.status,
      allowOrigin: reply.headers['access-control-allow-origin'],
      allowCredentials: reply.headers['access-control-allow-credentials'],
      contentEncoding: reply.headers['content-encoding'],
      body: reply.body.toString('utf8'),
    };
    const expected = { status: 200, allowOrigin: origin, allowCredentials: 'true', contentEncoding: undefined, body: '{"message":"hello"}' };
    if (!isDeepStrictEqual(seen, expected)) throw new Error(`${JSON.stringify(seen)}, expected ${JSON.stringify(expected)}`);
  });
  await check('GET /hello from another origin gets no Access-Control-Allow-Origin', async () => {
    const reply = await rawGet(`${baseUrl}/hello`, { origin: 'http://elsewhere.example' });
    const allowOrigin = reply.headers['access-control-allow-origin'];
    if (reply.status !== 200 || allowOrigin !== undefined) throw new Error(`status ${reply.status}, access-control-allow-origin ${JSON.stringify(allowOrigin)}`);
  });
  await check('GET /big with Accept-Encoding: gzip is gzipped', async () => {
    const reply = await rawGet(`${baseUrl}/big`, { 'accept-encoding': 'gzip' });
    if (reply.status !== 200 || reply.headers['content-encoding'] !== 'gzip') {
      throw new Error(`status ${reply.status}, content-encoding ${JSON.stringify(reply.headers['content-encoding'])}, expected 200 and gzip`);
    }
    if (!isDeepStrictEqual(JSON.parse(gunzipSync(reply.body).toString('utf8')), bigPayload())) throw new Error('the gunzipped body differs from the 64 KiB payload');
  });
  return failures;
}

/**
 * POST /bg-durable answers like /bg, and its task went through the SQLite
 * store (the runtime's backend is `sqlite`): with `run`, it then succeeded and
 * the shared list grew; with `store`, it waits in the file as queued, and no
 * task ran here.
 */
export async function checkDurableTasks(baseUrl: string, mode: 'run' | 'store'): Promise<CheckFailure[]> {
  const get = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const res = await fetch(baseUrl + path, { ...init, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${init?.method ?? 'GET'} ${path}: status ${res.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  };
  type Stats = { backend?: string; queued?: number; succeeded?: number };
  const state = async () => ({ stats: await get<Stats>('/bg-durable/stats'), count: (await get<{ count: number }>('/bg-count')).count });
  try {
    const before = await state();
    if (before.stats.backend !== 'sqlite') throw new Error(`GET /bg-durable/stats names backend ${JSON.stringify(before.stats.backend)}, expected "sqlite"`);
    const reply = await get<unknown>('/bg-durable', { method: 'POST' });
    if (!isDeepStrictEqual(reply, { ok: true })) throw new Error(`POST /bg-durable answered ${JSON.stringify(reply)}, expected {"ok":true}`);
    const expected =
      mode === 'run'
        ? { queued: before.stats.queued, succeeded: (before.stats.succeeded ?? 0) + 1, count: before.count + 1 }
        : { queued: (before.stats.queued ?? 0) + 1, succeeded: before.stats.succeeded, count: before.count };
    const deadline = Date.now() + 5000;
    for (;;) {
      const after = await state();
      const seen = { queued: after.stats.queued, succeeded: after.stats.succeeded, count: after.count };
      if (isDeepStrictEqual(seen, expected)) return [];
      if (Date.now() > deadline) throw new Error(`after POST /bg-durable (${mode}): ${JSON.stringify(seen)}, expected ${JSON.stringify(expected)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } catch (err) {
    return [{ check: `POST /bg-durable ${mode === 'run' ? 'runs' : 'stores'} a durable task in SQLite`, message: err instanceof Error ? err.message : String(err) }];
  }
}
