import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { WebSocketSession } from '@fastts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The real start path of every example: `turbo run build`, then `node dist/main.js`
// on PORT, a request, SIGTERM, and a clean exit after the background work drained.

const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);

interface Started {
  url: string;
  /** Where the example writes its files (LOG_FILE and friends point here). */
  dir: string;
}

interface StartCase {
  name: string;
  env?: (dir: string) => Record<string, string>;
  /** Talks to the running server; resolves once the request it made has been answered. */
  check: (server: Started) => Promise<void>;
  /** Runs after the process has exited with 0: the background work it drained. */
  afterExit?: (server: Started) => Promise<void>;
}

const post = (url: string, json?: unknown) =>
  fetch(url, json === undefined ? { method: 'POST' } : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });

let signupRequestedAt = 0;
/** The chat case's member, left open across SIGTERM. */
let chatSession: WebSocketSession | undefined;

const cases: StartCase[] = [
  {
    name: 'send-notification',
    env: (dir) => ({ LOG_FILE: join(dir, 'log.txt') }),
    async check({ url }) {
      const res = await post(`${url}/send-notification/a@example.com`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ message: 'Notification sent in the background' });
    },
    async afterExit({ dir }) {
      expect(await readFile(join(dir, 'log.txt'), 'utf8')).toBe('notification for a@example.com: some notification\n');
    },
  },
  {
    name: 'process-items',
    async check({ url }) {
      const res = await post(`${url}/items/3/process`);
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ item_id: 3, status: 'processing' });
    },
  },
  {
    name: 'predict-log-later',
    env: (dir) => ({ PREDICTIONS_FILE: join(dir, 'predictions.jsonl') }),
    async check({ url }) {
      const res = await post(`${url}/predict_log_later`, { text: 'a good day' });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ label: 'positive', score: 1 });
    },
    async afterExit({ dir }) {
      const lines = (await readFile(join(dir, 'predictions.jsonl'), 'utf8')).trimEnd().split('\n');
      expect(lines.map((line) => JSON.parse(line))).toMatchObject([{ input: { text: 'a good day' }, prediction: { label: 'positive', score: 1 } }]);
    },
  },
  {
    name: 'notification-service',
    env: (dir) => ({ LOG_FILE: join(dir, 'log.txt') }),
    async check({ url }) {
      const res = await post(`${url}/send-notification/foo@example.com?q=some-query`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ message: 'Message sent' });
    },
    async afterExit({ dir }) {
      expect(await readFile(join(dir, 'log.txt'), 'utf8')).toBe('found query: some-query\nmessage to foo@example.com\n');
    },
  },
  {
    name: 'task-error-handling',
    async check({ url }) {
      const res = await post(`${url}/send-email/nobody@invalid.example`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ message: 'E-mail queued' });
      const failures = await poll(async () => {
        const list = (await (await fetch(`${url}/failures`)).json()) as { task: string }[];
        return list.length > 0 ? list : undefined;
      });
      expect(failures).toMatchObject([{ task: 'sendEmail', route: 'MailController.queueEmail', error: '550 mailbox unavailable: nobody@invalid.example' }]);
    },
  },
  {
    name: 'json-response-background',
    async check({ url }) {
      const res = await post(`${url}/signup`, { username: 'ada', email: 'ada@example.com' });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'Signup successful' });
    },
  },
  {
    name: 'response-background-later',
    env: (dir) => ({ EXPORT_DIR: dir }),
    async check({ url }) {
      const res = await fetch(`${url}/hello/Ada`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('Hello, Ada!');
      const csv = await fetch(`${url}/users.csv`);
      expect(csv.status).toBe(200);
      expect(await csv.text()).toBe('id,name\n1,Ada\n2,Grace\n');
    },
  },
  {
    name: 'signup-email',
    env: () => ({ EMAIL_DELAY_MS: '300' }),
    async check({ url }) {
      signupRequestedAt = Date.now();
      const res = await post(`${url}/signup`, { email: 'ada@example.com', name: 'Ada' });
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({ email: 'ada@example.com', name: 'Ada' });
    },
    async afterExit() {
      // SIGTERM came right after the response; the process waited for the 300 ms e-mail.
      expect(Date.now() - signupRequestedAt).toBeGreaterThanOrEqual(300);
    },
  },
  {
    name: 'image-upload',
    env: (dir) => ({ OUTPUT_DIR: dir }),
    async check({ url }) {
      const form = new FormData();
      form.append('image', new Blob(['not really a png'], { type: 'image/png' }), 'cat.png');
      const res = await fetch(`${url}/images`, { method: 'POST', body: form });
      expect(res.status).toBe(202);
      expect(await res.json()).toMatchObject({ id: '1', filename: 'cat.png', size: 16 });
    },
    async afterExit({ dir }) {
      expect(JSON.parse(await readFile(join(dir, '1.json'), 'utf8'))).toMatchObject({ filename: 'cat.png', size: 16 });
    },
  },
  {
    name: 'auth-jwt',
    // Long enough for the settings' 32-character minimum: a shorter one would stop the process with exit 1.
    env: () => ({ JWT_SECRET: 'start-test-secret-0123456789abcdef' }),
    async check({ url }) {
      const login = await fetch(`${url}/token`, { method: 'POST', body: new URLSearchParams({ username: 'johndoe', password: 'secret', scope: 'me' }) });
      expect(login.status).toBe(200);
      const { access_token, token_type } = (await login.json()) as { access_token: string; token_type: string };
      expect(token_type).toBe('bearer');
      const me = await fetch(`${url}/users/me`, { headers: { authorization: `Bearer ${access_token}` } });
      expect(await me.json()).toEqual({ username: 'johndoe', email: 'johndoe@example.com', full_name: 'John Doe', disabled: false });
      const items = await fetch(`${url}/users/me/items`, { headers: { authorization: `Bearer ${access_token}` } });
      expect(items.status).toBe(401);
      expect(items.headers.get('www-authenticate')).toBe('Bearer scope="items me"');
      await items.arrayBuffer();
    },
  },
  {
    name: 'chat',
    async check({ url }) {
      const rooms = await fetch(`${url}/rooms`);
      expect(await rooms.json()).toEqual([]);
      chatSession = await WebSocketSession.connect(`${url.replace('http:', 'ws:')}/rooms/lobby?token=ada-token`);
      expect(await chatSession.receiveJson()).toMatchObject({ kind: 'join', room: 'lobby', user: 'ada' });
      await chatSession.sendText('hello from the start test');
      expect(await chatSession.receiveJson()).toMatchObject({ kind: 'message', room: 'lobby', user: 'ada', text: 'hello from the start test' });
    },
    async afterExit() {
      // SIGTERM came while the member was still in the room: the server closed it with 1001 before exiting.
      expect(await chatSession!.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
    },
  },
  {
    name: 'main',
    async check({ url }) {
      const home = await fetch(`${url}/`);
      expect(home.status).toBe(200);
      expect(await home.json()).toMatchObject({ message: 'Welcome to fastts' });
      const item = await fetch(`${url}/items/5?q=somequery`);
      expect(await item.json()).toEqual({ item_id: 5, q: 'somequery', processed: false });
      // The built @fastts/openapi: the document, and the docs page with its assets from the package's files.
      const openapi = await fetch(`${url}/openapi.json`);
      expect(await openapi.json()).toMatchObject({ openapi: '3.1.0', paths: { '/items/{item_id}': { get: { operationId: 'read_items__item_id__get' } } } });
      for (const asset of ['/docs', '/docs/assets/swagger-ui-bundle.js', '/redoc', '/redoc/assets/redoc.standalone.js']) {
        const res = await fetch(`${url}${asset}`);
        expect(res.status, asset).toBe(200);
        await res.arrayBuffer();
      }
    },
  },
];

const children = new Set<ChildProcess>();
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'fastts-start-'));
  await run('npx', ['turbo', 'run', 'build', '--filter=./examples/*', '--output-logs=errors-only'], { cwd: root, timeout: 120_000 });
}, 130_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('npm start of every example', () => {
  for (const example of cases) it(`${example.name} serves on PORT and exits 0 on SIGTERM`, () => startAndStop(example));
});

describe('the main example reads its settings before it listens', () => {
  it('exits 1, naming each bad variable without its value, and never listens', async () => {
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: join(root, 'examples', 'main'),
      env: { ...process.env, PORT: 'eighty', PROCESS_DELAY_MS: '-5' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const [code] = (await withTimeout(once(child, 'exit'), 10_000, 'exit on bad settings')) as [number | null];
    expect(code).toBe(1);
    expect(stderr).toContain('PORT');
    expect(stderr).toContain('PROCESS_DELAY_MS');
    expect(stderr).not.toContain('eighty');
    expect(stdout).not.toContain('listening');
  });
});

/** Starts `node dist/main.js` on a free PORT, runs the check, sends SIGTERM and expects exit code 0. */
async function startAndStop(example: StartCase): Promise<void> {
  const dir = join(scratch, example.name);
  await mkdir(dir);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: join(root, 'examples', example.name),
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn', ...example.env?.(dir) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

  try {
    await waitUntilAnswering(url, child);
    await example.check({ url, dir });
    child.kill('SIGTERM');
    const [code, signal] = await withTimeout(exited, 10_000, 'exit after SIGTERM');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  } catch (err) {
    throw Object.assign(err as Error, { message: `${(err as Error).message}\n--- ${example.name} output ---\n${output}` });
  }
  await example.afterExit?.({ url, dir });
}

/** A port nothing listens on right now: the OS picks one for port 0, and we give it back. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitUntilAnswering(url: string, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited before answering (code ${child.exitCode}, signal ${child.signalCode})`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1_000) });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`no answer from ${url} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function poll<T>(probe: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
