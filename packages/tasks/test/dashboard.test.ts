import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { App, Depends, Header, HTTPException, dependency } from '@fastts/core';
import { TestClient } from '@fastts/testing';
import { currentTask, defineTask, TaskRuntime, TasksController, TasksDashboard, type TasksDashboardOptions } from '@fastts/tasks';

// The dashboard's routes over HTTP: the page and its policy, the assets from
// the package's folder (and nothing else), and the JSON answers it polls.
// The page itself is driven in Chromium by dashboard.browser.test.ts.

const assets = new URL('../dashboard/', import.meta.url);
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const open: (App | TaskRuntime)[] = [];
afterEach(async () => {
  for (const made of open.splice(0).reverse()) await made.close();
});

const wait = defineTask('wait', async () => {
  const { signal } = currentTask()!;
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
});
const mail = defineTask('mail', (to: string) => `sent to ${to}`, { queue: 'mail' });
const broken = defineTask('broken', () => {
  throw new Error('cannot render');
});

function dashboardApp(options: TasksDashboardOptions = {}, prefix = '/tasks/ui') {
  const app = new App({ logger: false });
  const runtime = new TaskRuntime({ lagThresholdMs: false, offload: 'inline' }).attach(app);
  app.include(new TasksDashboard(runtime, options), { prefix }).include(new TasksController(runtime));
  open.push(app, runtime);
  return { app, runtime, client: new TestClient(app, { waitForTasks: false }) };
}

/** A GET with the path exactly as written: no client in between to normalise `..` or decode anything. */
function rawGet(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The docs' example: the page, its assets and its API behind one guard. */
function mountDashboard(app: App, runtime: TaskRuntime, adminToken: string): void {
  // Stands for the app's own admin check.
  const requireAdmin = dependency([Header('x-admin-token', { optional: true })], (token) => {
    if (token !== adminToken) throw new HTTPException(403, 'admins only');
  });
  app.include(new TasksDashboard(runtime), { prefix: '/tasks/ui', dependencies: [Depends(requireAdmin)] });
}

describe('TasksDashboard: the page and its assets', () => {
  it('serves the page with a CSP that forbids inline scripts and other origins, linking its assets relative to itself', async () => {
    const { client } = dashboardApp();
    const res = await client.get('/tasks/ui');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(CSP);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.text).toContain('<script type="module" src="./ui/assets/dashboard.js"></script>');
    expect(res.text).toContain('<link rel="stylesheet" href="./ui/assets/dashboard.css">');
    // Every script is a file; no inline code, no handler attribute, nothing from another origin.
    expect(res.text.match(/<script[^>]*>/g)).toEqual(['<script type="module" src="./ui/assets/dashboard.js">']);
    expect(res.text).not.toMatch(/\son[a-z]+=|https?:\/\/|style=/);
  });

  it('links its assets right wherever it is mounted', async () => {
    const { client } = dashboardApp({}, '/admin/jobs');
    expect((await client.get('/admin/jobs')).text).toContain('src="./jobs/assets/dashboard.js"');
    const { client: atRoot } = dashboardApp({}, '');
    expect((await atRoot.get('/')).text).toContain('src="./assets/dashboard.js"');
    expect((await atRoot.get('/assets/dashboard.js')).status).toBe(200);
  });

  it('serves the script and the stylesheet from the package folder, revalidated by ETag', async () => {
    const { client } = dashboardApp();
    const js = await client.get('/tasks/ui/assets/dashboard.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^(application|text)\/javascript/);
    expect(js.text).toBe(readFileSync(new URL('dashboard.js', assets), 'utf8'));
    expect(js.headers['cache-control']).toBe('no-cache');
    const again = await client.get('/tasks/ui/assets/dashboard.js', { headers: { 'if-none-match': String(js.headers['etag']) } });
    expect(again.status).toBe(304);
    const css = await client.get('/tasks/ui/assets/dashboard.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.text).toBe(readFileSync(new URL('dashboard.css', assets), 'utf8'));
  });

  it('answers 404 for any other name: the template, traversal, encoded separators', async () => {
    const { app } = dashboardApp();
    const { port } = await app.listen(0, '127.0.0.1');
    for (const path of [
      '/tasks/ui/assets/index.html',
      '/tasks/ui/assets/nope.js',
      '/tasks/ui/assets/../../package.json',
      '/tasks/ui/assets/..%2F..%2Fpackage.json',
      '/tasks/ui/assets/%2e%2e%2f%2e%2e%2fpackage.json',
      '/tasks/ui/assets/..%5C..%5Cpackage.json',
      '/tasks/ui/assets/.%2Fdashboard.js',
      '/tasks/ui/assets/%2Fetc%2Fpasswd',
      '/tasks/ui/assets/dashboard.js%00.css',
      '/tasks/ui/assets/src/dashboard/assets.ts',
    ]) {
      expect(await rawGet(port, path), path).toBe(404);
    }
  });
});

describe('TasksDashboard: its JSON API', () => {
  it('lists, filters by queue, and counts by state and queue', async () => {
    const { client, runtime } = dashboardApp();
    await runtime.enqueue(mail, 'ada@example.com').done;
    await runtime.enqueue(broken).done;
    const held = runtime.enqueue(wait);
    const { items } = (await client.get('/tasks/ui/api/tasks', { query: { queue: 'mail' } })).json();
    expect(items).toEqual([expect.objectContaining({ name: 'mail', queue: 'mail', state: 'succeeded', result: 'sent to ada@example.com' })]);
    expect(items[0]).not.toHaveProperty('args');
    // The same checks as GET /tasks: an unknown state or a limit out of range is a 422.
    expect((await client.get('/tasks/ui/api/tasks', { query: { state: 'done', limit: 0 } })).json().detail.map((i: { type: string }) => i.type)).toEqual(['enum', 'greater_than_equal']);
    const stats = (await client.get('/tasks/ui/api/tasks/stats')).json();
    expect(stats.counts).toMatchObject({ succeeded: 1, failed: 1 });
    expect(stats.byQueue.mail).toEqual({ queued: 0, running: 0, succeeded: 1, failed: 0, retrying: 0, cancelled: 0, dead: 0 });
    expect(stats.byQueue.default).toMatchObject({ failed: 1 });
    expect(stats.byQueue.default.queued + stats.byQueue.default.running).toBe(1);
    expect(Object.keys(stats.queues)).toEqual(expect.arrayContaining(['default', 'mail']));
    await runtime.cancel(held.id);
  });

  it('shows arguments only with exposeArgs', async () => {
    const { client, runtime } = dashboardApp({ exposeArgs: true });
    const handle = runtime.enqueue(mail, 'ada@example.com');
    await handle.done;
    expect((await client.get(`/tasks/ui/api/tasks/${handle.id}`)).json()).toMatchObject({ args: ['ada@example.com'] });
  });

  it('retries and cancels only with the header the page sends (a cross-site form cannot)', async () => {
    const { client, runtime } = dashboardApp();
    const failed = runtime.enqueue(broken);
    await failed.done;
    const forged = await client.post(`/tasks/ui/api/tasks/${failed.id}/retry`);
    expect(forged.status).toBe(403);
    expect(forged.json()).toEqual({ detail: 'send the header x-tasks-dashboard: 1 (the dashboard page does)' });
    expect((await runtime.get(failed.id))?.attempts).toBe(1);
    const retried = await client.post(`/tasks/ui/api/tasks/${failed.id}/retry`, { headers: { 'x-tasks-dashboard': '1' } });
    expect(retried.status).toBe(202);

    const running = runtime.enqueue(wait);
    expect((await client.delete(`/tasks/ui/api/tasks/${running.id}`)).status).toBe(403);
    const cancelled = await client.delete(`/tasks/ui/api/tasks/${running.id}`, { headers: { 'x-tasks-dashboard': '1' } });
    expect(cancelled.status).toBe(202);
    expect((await running.done).state).toBe('cancelled');
    expect((await client.delete(`/tasks/ui/api/tasks/${running.id}`, { headers: { 'x-tasks-dashboard': '1' } })).status).toBe(409);
    expect((await client.get('/tasks/ui/api/tasks/nope')).status).toBe(404);
  });

  it("streams the open task's events under its own api/ (read in-process), showing arguments as the page's API does", async () => {
    const { client, runtime } = dashboardApp({ exposeArgs: true });
    const running = runtime.enqueue(wait);
    const stream = await client.stream('GET', `/tasks/ui/api/tasks/${running.id}/events`);
    expect(stream.status).toBe(200);
    const states: string[] = [];
    for await (const ev of stream.sse()) {
      const task = JSON.parse(ev.data!);
      expect(task.args).toEqual([]);
      states.push(`${ev.event} ${task.state}`);
      if (task.state === 'running') await runtime.cancel(running.id);
    }
    expect(states.at(-1)).toBe('state cancelled');
    expect((await client.get('/tasks/ui/api/tasks/nope/events')).status).toBe(404);
  });

  it('is guarded by the dependencies it is included with, and stays out of the OpenAPI schema', async () => {
    const app = new App({ logger: false });
    const runtime = new TaskRuntime({ offload: 'inline' }).attach(app);
    mountDashboard(app, runtime, 'secret');
    open.push(app, runtime);
    const client = new TestClient(app, { waitForTasks: false });
    for (const path of ['/tasks/ui', '/tasks/ui/assets/dashboard.js', '/tasks/ui/api/tasks/stats']) {
      expect((await client.get(path)).status, path).toBe(403);
      expect((await client.get(path, { headers: { 'x-admin-token': 'secret' } })).status, path).toBe(200);
    }
    expect(app.routes.filter((route) => route.options.includeInSchema !== false)).toEqual([]);
  });
});

describe('TasksController: queues', () => {
  it('filters the list by queue and counts each queue by state', async () => {
    const { client, runtime } = dashboardApp();
    await runtime.enqueue(mail, 'ada@example.com').done;
    await runtime.enqueue(broken).done;
    const { items } = (await client.get('/tasks', { query: { queue: 'default' } })).json();
    expect(items.map((t: { name: string }) => t.name)).toEqual(['broken']);
    const { byQueue } = (await client.get('/tasks/stats')).json();
    expect(byQueue).toEqual({
      default: { queued: 0, running: 0, succeeded: 0, failed: 1, retrying: 0, cancelled: 0, dead: 0 },
      mail: { queued: 0, running: 0, succeeded: 1, failed: 0, retrying: 0, cancelled: 0, dead: 0 },
    });
  });
});
