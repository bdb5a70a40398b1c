import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from '@fastts/core';
import { currentTask, defineTask, MemoryBackend, TaskRuntime, TasksDashboard, type TaskBackend } from '@fastts/tasks';
import { sqliteBackend } from '@fastts/tasks-sqlite';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_TIMEOUT as TIMEOUT, browserSuite, launchChromium, loopbackOnly as isolated } from '../../../test/chromium.js';

// The dashboard in a real headless Chromium, Debian's (.ci/run installs it;
// playwright-core never downloads a browser), on the memory backend and on a
// SQLite file. Every request the page makes is routed through the test; one
// to a host other than the app's loopback address fails the test, and so
// does any error in the page's console (a CSP violation included).

// The page polls the list once a second and follows the open task's events; a state change shows within a few polls.
const SEEN = 15_000;

const { run, title } = browserSuite('the task dashboard in a browser');

/** A gate a task waits on, opened by the test. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}
let release = gate();
let flakyRuns = 0;

const report = defineTask('build-report', async (pages: number) => {
  const task = currentTask()!;
  task.progress(50);
  await release.opened;
  task.progress(100);
  return { pages };
});
// Fails the first time it runs, then succeeds: the retry from the page is what makes it pass.
const flaky = defineTask('sync-crm', async (account: string) => {
  if (++flakyRuns === 1) throw new Error(`CRM unreachable for ${account}`);
  return { synced: account };
});
const waiting = defineTask('wait-forever', async () => {
  const { signal } = currentTask()!;
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
});

const folder = mkdtempSync(join(tmpdir(), 'fastts-dashboard-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const backends: [string, () => TaskBackend][] = [
  ['memory', () => new MemoryBackend()],
  ['sqlite', () => sqliteBackend({ path: join(folder, 'tasks.db'), pollIntervalMs: 20 })],
];

describe.skipIf(!run)(title, () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
  });

  const loopbackOnly = () => isolated(browser);

  describe.each(backends)('on the %s backend', (_, backend) => {
    let app: App;
    let runtime: TaskRuntime;
    let base: string;

    beforeAll(async () => {
      // No redirect between `/x/` and `/x`: the page must ask for the exact paths.
      app = new App({ logger: false, redirectSlashes: false });
      runtime = new TaskRuntime({ backend: backend(), offload: 'inline', lagThresholdMs: false }).attach(app);
      runtime.register(report, flaky, waiting);
      app.include(new TasksDashboard(runtime, { exposeArgs: true }), { prefix: '/tasks/ui' });
      const { port } = await app.listen(0, '127.0.0.1');
      base = `http://127.0.0.1:${port}`;
      release = gate();
      flakyRuns = 0;
    }, TIMEOUT);

    afterEach(() => release.open());

    afterAll(async () => {
      release.open();
      await app?.close();
      await runtime?.close();
    });

    /** The state the list shows for a task, once it shows `state`. */
    const row = (page: Page, id: string) => page.locator(`#tasks tbody tr[data-id="${id}"]`);
    const seenIn = async (page: Page, id: string, state: string) => {
      await row(page, id).locator('.state', { hasText: new RegExp(`^${state}$`) }).waitFor({ timeout: SEEN });
    };

    it(
      'shows a task running, then succeeded, with its progress and result, the detail updated by its events without a poll',
      async () => {
        const { context, requested, outside, errors } = await loopbackOnly();
        const page = await context.newPage();
        await page.goto(`${base}/tasks/ui`);
        const handle = runtime.enqueue(report, 3);
        await seenIn(page, handle.id, 'running');
        await row(page, handle.id).locator('a.id').click();
        const detail = page.locator(`#detail[data-id="${handle.id}"]`);
        await detail.waitFor({ timeout: SEEN });
        expect(await page.locator('#args').textContent()).toBe('[3]');
        expect((await page.locator('#fields .progress').textContent())?.trim()).toBe('50%');
        expect(await page.getByRole('button', { name: 'Retry' }).isDisabled()).toBe(true);

        release.open();
        // The detail changes first (its events come at once); the list follows at its next poll.
        await page.locator('#detail[data-state="succeeded"]').waitFor({ timeout: SEEN });
        await seenIn(page, handle.id, 'succeeded');
        expect(JSON.parse((await page.locator('#result').textContent())!)).toEqual({ pages: 3 });
        expect((await page.locator('#fields .progress').textContent())?.trim()).toBe('100%');
        expect(await page.locator('#attempts tbody tr').count()).toBe(1);
        expect(await page.locator('#counts .state-succeeded strong').textContent()).toBe('1');
        expect(await page.locator('#queues tbody th').allTextContents()).toEqual(['default']);

        expect(requested).toContain(`${base}/tasks/ui/assets/dashboard.js`);
        expect(requested).toContain(`${base}/tasks/ui/api/tasks/stats`);
        expect(requested).toContain(`${base}/tasks/ui/api/tasks?limit=100`);
        // The open task came from its event stream: the URL that polled it was never asked for.
        expect(requested).toContain(`${base}/tasks/ui/api/tasks/${handle.id}/events`);
        expect(requested.filter((url) => url === `${base}/tasks/ui/api/tasks/${handle.id}`)).toEqual([]);
        expect(outside).toEqual([]);
        expect(errors).toEqual([]);
        await context.close();
      },
      TIMEOUT,
    );

    it(
      'retries a failed task with the Retry button, then shows it succeeded; filters by state',
      async () => {
        const { context, outside, errors } = await loopbackOnly();
        const page = await context.newPage();
        const failed = runtime.enqueue(flaky, '<img src=x onerror=alert(1)>');
        expect((await failed.done).state).toBe('failed');
        await page.goto(`${base}/tasks/ui#state=failed`);
        await seenIn(page, failed.id, 'failed');
        expect(await page.locator('#tasks tbody tr').count()).toBe(1);
        await row(page, failed.id).locator('a.id').click();
        await page.locator(`#detail[data-id="${failed.id}"]`).waitFor({ timeout: SEEN });
        // Shown as text: the markup in the argument and in the error is never parsed.
        expect(await page.locator('#error').textContent()).toBe('Error: CRM unreachable for <img src=x onerror=alert(1)>');
        expect(await page.locator('#attempts tbody td.error').textContent()).toBe('Error: CRM unreachable for <img src=x onerror=alert(1)>');
        expect(await page.locator('#detail img').count()).toBe(0);

        await page.getByRole('button', { name: 'Retry' }).click();
        await page.locator('#detail[data-state="succeeded"]').waitFor({ timeout: SEEN });
        expect(JSON.parse((await page.locator('#result').textContent())!)).toEqual({ synced: '<img src=x onerror=alert(1)>' });
        expect(await runtime.get(failed.id)).toMatchObject({ state: 'succeeded', attempts: 1 });
        expect(flakyRuns).toBe(2);
        // Filtered on failed, the list no longer holds it; the open task stays open.
        await row(page, failed.id).waitFor({ state: 'detached', timeout: SEEN });
        expect(outside).toEqual([]);
        expect(errors).toEqual([]);
        await context.close();
      },
      TIMEOUT,
    );

    it(
      "falls back to polling the open task when its events fail",
      async () => {
        const { context, requested, outside, errors } = await loopbackOnly();
        // A proxy that refuses streams: every event request answers 503, and EventSource gives up.
        const refused: string[] = [];
        await context.route('**/events', (route) => {
          refused.push(route.request().url());
          return route.fulfill({ status: 503, body: 'no streams here' });
        });
        const page = await context.newPage();
        release.open();
        const handle = runtime.enqueue(report, 2);
        await page.goto(`${base}/tasks/ui#task=${handle.id}`);
        await page.locator(`#detail[data-id="${handle.id}"][data-state="succeeded"]`).waitFor({ timeout: SEEN });
        expect(JSON.parse((await page.locator('#result').textContent())!)).toEqual({ pages: 2 });
        expect(refused).toContain(`${base}/tasks/ui/api/tasks/${handle.id}/events`);
        expect(requested).toContain(`${base}/tasks/ui/api/tasks/${handle.id}`);
        expect(outside).toEqual([]);
        // The browser reports the refused stream itself; nothing else went wrong.
        expect(errors.filter((error) => !/503/.test(error))).toEqual([]);
        await context.close();
      },
      TIMEOUT,
    );

    it(
      'cancels a running task with the Cancel button',
      async () => {
        const { context, outside, errors } = await loopbackOnly();
        const page = await context.newPage();
        const handle = runtime.enqueue(waiting);
        await page.goto(`${base}/tasks/ui#task=${handle.id}`);
        await page.locator(`#detail[data-id="${handle.id}"][data-state="running"]`).waitFor({ timeout: SEEN });
        await page.getByRole('button', { name: 'Cancel' }).click();
        await page.locator('#detail[data-state="cancelled"]').waitFor({ timeout: SEEN });
        expect((await handle.done).state).toBe('cancelled');
        expect(await page.locator('#error').textContent()).toBe('TaskCancelledError [FASTTS_ERR_TASK_CANCELLED]: task cancelled');
        expect(await page.getByRole('button', { name: 'Cancel' }).isDisabled()).toBe(true);
        expect(await page.getByRole('button', { name: 'Retry' }).isEnabled()).toBe(true);
        await seenIn(page, handle.id, 'cancelled');
        expect(outside).toEqual([]);
        expect(errors).toEqual([]);
        await context.close();
      },
      TIMEOUT,
    );
  });
});
