import { IsString } from 'class-validator';
import { App, Body, Post } from '@fastts/core';
import { serveDocs } from '@fastts/openapi';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../examples/main/src/app.js';
import { BROWSER_TIMEOUT as TIMEOUT, browserSuite, launchChromium, loopbackOnly as isolated } from '../../../test/chromium.js';

// The docs pages of the main example in a real headless Chromium, Debian's
// (.ci/run installs it; playwright-core never downloads a browser). Every
// request the pages make is routed through the test, and any request to a
// host other than the app's loopback address fails the test.

const { run, title } = browserSuite('docs in a browser');

class Subscription {
  @IsString()
  username!: string;
}

/** A webhook (OpenAPI 3.1 `webhooks`): documented, never routed. */
class SubscriptionWebhooks {
  @Post('new-subscription')
  newSubscription(@Body() _body: Subscription): void {}
}

describe.skipIf(!run)(title, () => {
  let app: App;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    browser = await launchChromium();
    app = createApp({ logger: false, processDelayMs: 10 });
    const { port } = await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const loopbackOnly = () => isolated(browser);

  it(
    'Swagger UI lists the operations and runs one with Try it out / Execute',
    async () => {
      const { context, requested, outside, errors } = await loopbackOnly();
      const page = await context.newPage();
      await page.goto(`${base}/docs`);

      const paths = page.locator('.opblock .opblock-summary-path');
      await paths.first().waitFor({ timeout: TIMEOUT });
      expect(await paths.allTextContents()).toEqual(['/', '/items/{item_id}', '/items/{item_id}/process']);
      await expect.poll(() => page.locator('.info .title').textContent()).toContain('fastts main example');

      const operation = page.locator('#operations-items-read_items__item_id__get');
      await operation.locator('.opblock-summary').click();
      await operation.getByRole('button', { name: 'Try it out' }).click();
      await operation.locator('tr[data-param-name="item_id"] input').fill('42');
      await operation.locator('tr[data-param-name="q"] input').fill('from the browser');
      await operation.getByRole('button', { name: 'Execute' }).click();

      const live = operation.locator('.live-responses-table');
      await live.waitFor({ timeout: TIMEOUT });
      expect(await live.locator('tbody .response-col_status').textContent()).toBe('200');
      const body = JSON.parse((await live.locator('tbody .highlight-code pre').textContent()) ?? '');
      expect(body).toEqual({ item_id: 42, q: 'from the browser', processed: false });
      expect(await operation.locator('.request-url pre').textContent()).toBe(`${base}/items/42?q=from%20the%20browser`);

      if (process.env['DOCS_SCREENSHOTS']) await page.screenshot({ path: `${process.env['DOCS_SCREENSHOTS']}/swagger-ui.png`, fullPage: true });
      expect(requested).toContain(`${base}/openapi.json`);
      expect(requested).toContain(`${base}/items/42?q=from%20the%20browser`);
      expect(outside).toEqual([]);
      expect(errors).toEqual([]);
      await context.close();
    },
    TIMEOUT,
  );

  it(
    'Swagger UI shows webhooks in their own section',
    async () => {
      const hooks = serveDocs(new App({ logger: false }), { webhooks: [SubscriptionWebhooks] });
      const { port } = await hooks.listen(0, '127.0.0.1');
      const { context, outside, errors } = await loopbackOnly();
      try {
        const page = await context.newPage();
        await page.goto(`http://127.0.0.1:${port}/docs`);
        const webhooks = page.locator('.webhooks');
        await webhooks.locator('.opblock-summary-path').first().waitFor({ timeout: TIMEOUT });
        expect(await webhooks.locator('h2').textContent()).toBe('Webhooks');
        expect(await webhooks.locator('.opblock-summary-path').allTextContents()).toEqual(['new-subscription']);
        expect(await webhooks.locator('.opblock-summary-method').allTextContents()).toEqual(['POST']);
        expect(outside).toEqual([]);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
        await hooks.close();
      }
    },
    TIMEOUT,
  );

  it(
    'ReDoc renders the document from the local bundle',
    async () => {
      const { context, requested, outside, errors } = await loopbackOnly();
      const page = await context.newPage();
      await page.goto(`${base}/redoc`);
      await page.getByRole('heading', { name: 'Read an item' }).waitFor({ timeout: TIMEOUT });
      expect(await page.getByRole('heading', { level: 1 }).first().textContent()).toContain('fastts main example');
      expect(requested).toContain(`${base}/redoc/assets/redoc.standalone.js`);
      expect(outside).toEqual([]);
      // The bundle's Redocly logo is the one load the page's CSP refuses (so it never reaches the network).
      expect(errors).toEqual([expect.stringMatching(/^Loading the image 'https:\/\/cdn\.redoc\.ly\/redoc\/logo-mini\.svg' violates .*Content Security Policy/)]);
      if (process.env['DOCS_SCREENSHOTS']) await page.screenshot({ path: `${process.env['DOCS_SCREENSHOTS']}/redoc.png` });
      await context.close();
    },
    TIMEOUT,
  );
});
