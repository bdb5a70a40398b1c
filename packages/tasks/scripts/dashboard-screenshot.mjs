// Makes docs/images/tasks-dashboard.png: an app with a few tasks in every
// state, its dashboard in Debian's headless Chromium (the browser the
// dashboard test drives), one failed task opened.
//
//   npx turbo run build --filter=@fastts/tasks --output-logs=errors-only
//   node packages/tasks/scripts/dashboard-screenshot.mjs [out.png]
//
// It imports the built packages (dist/), as a user's app does.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App } from '@fastts/core';
import { currentTask, defineTask, TaskRuntime, TasksDashboard } from '@fastts/tasks';
import { chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const out = process.argv[2] ?? fileURLToPath(new URL('../../../docs/images/tasks-dashboard.png', import.meta.url));
if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let stop;
const stopped = new Promise((resolve) => (stop = resolve));
const untilStopped = () => Promise.race([stopped, new Promise((resolve) => currentTask().signal.addEventListener('abort', resolve))]);

const sendWelcome = defineTask('send-welcome', async (email) => ({ messageId: `<${email.length}.welcome@mail.example>` }), { queue: 'mail' });
const buildReport = defineTask(
  'build-report',
  async (month) => {
    currentTask().progress(Number(month.slice(-2)) * 7 - 20);
    await untilStopped();
    return { month };
  },
  { queue: 'reports' },
);
const syncCrm = defineTask(
  'sync-crm',
  async (_account) => {
    await sleep(30);
    throw Object.assign(new Error('CRM timed out'), { name: 'UpstreamError' });
  },
  { maxAttempts: 3, backoff: { type: 'fixed', delayMs: 40, jitter: false } },
);
const resizeImage = defineTask(
  'resize-image',
  async () => {
    throw new Error('source image is gone');
  },
  { maxAttempts: 4, backoff: { delayMs: 600_000, jitter: false } },
);

const app = new App({ logger: false });
const runtime = new TaskRuntime({ offload: 'inline', lagThresholdMs: false, queues: { reports: { concurrency: 2 } } }).attach(app);
app.include(new TasksDashboard(runtime, { exposeArgs: true }), { prefix: '/tasks/ui' });
const { port } = await app.listen(0, '127.0.0.1');

for (const email of ['ada@example.com', 'grace@example.com', 'linus@example.com']) await runtime.enqueue(sendWelcome, email).done;
const failed = runtime.enqueue(syncCrm, 'acme-42');
await failed.done;
runtime.enqueue(resizeImage, 'uploads/7f3a.png');
for (const month of ['2026-09', '2026-10', '2026-11', '2026-12']) runtime.enqueue(buildReport, month);
const cancelled = runtime.enqueue(sendWelcome, 'alan@example.com');
await runtime.cancel(cancelled.id);
await sleep(200);

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 920 } });
  await page.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()));
  await page.goto(`http://127.0.0.1:${port}/tasks/ui#task=${failed.id}`);
  await page.locator(`#detail[data-id="${failed.id}"]`).waitFor();
  await page.locator('#attempts tbody tr').nth(2).waitFor();
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  stop();
  await app.close();
  await runtime.close();
}
