import { randomBytes } from 'node:crypto';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, Controller, Depends, Get, HTTPException, Post, dependency } from '@fastts/core';
import { APIKeyHeader, OAuth2PasswordBearer, OAuth2PasswordRequestForm, compareSecret } from '@fastts/core/security';
import { serveDocs } from '@fastts/openapi';
import { BROWSER_TIMEOUT as TIMEOUT, browserSuite, launchChromium, loopbackOnly, type LoopbackContext } from '../../../test/chromium.js';

// Swagger UI's Authorize button against real security dependencies, in
// Debian's headless Chromium: Try it out on a protected route shows the 401
// until the user authorizes in /docs (OAuth2 password flow, API key header),
// then 200, and the server sees the credentials Swagger UI sent.

const { run, title } = browserSuite('Authorize in /docs in a browser');

const USER = { username: 'alice', full_name: 'Alice Wonderson', email: 'alice@example.com' };
const PASSWORD = 'secret-password';
// Fresh per run, so a 200 can only come from what the Authorize dialog obtained and sent.
const TOKEN = randomBytes(16).toString('hex');
const KEY = randomBytes(16).toString('hex');

const oauth2Scheme = OAuth2PasswordBearer({ tokenUrl: 'token' });
const currentUser = dependency([Depends(oauth2Scheme)], (token) => {
  if (!compareSecret(token, TOKEN)) throw new HTTPException(401, 'Invalid authentication credentials', { 'WWW-Authenticate': 'Bearer' });
  return USER;
});
const apiKey = APIKeyHeader({ name: 'x-api-key' });
const checkKey = dependency([Depends(apiKey)], (key) => {
  if (!compareSecret(key, KEY)) throw new HTTPException(401, 'Invalid API key');
  return true;
});

@Controller()
class Api {
  @Post('/token')
  login(@Depends(OAuth2PasswordRequestForm) form: OAuth2PasswordRequestForm) {
    if (form.username !== USER.username || !compareSecret(form.password, PASSWORD)) {
      throw new HTTPException(400, 'Incorrect username or password');
    }
    return { access_token: TOKEN, token_type: 'bearer' };
  }

  @Get('/users/me')
  me(@Depends(currentUser) user: typeof USER) {
    return user;
  }

  @Get('/keyed')
  keyed(@Depends(checkKey) _ok: boolean) {
    return { keyed: true };
  }
}

interface Seen {
  method: string;
  path: string;
  authorization?: string;
  apiKey?: string | string[];
}

// Chromium's console line for a fetch answered 401; its URL is not in the text.
const UNAUTHORIZED_CONSOLE = 'Failed to load resource: the server responded with a status of 401 (Unauthorized)';

describe.skipIf(!run)(title, () => {
  let app: App;
  let browser: Browser;
  let base: string;
  const seen: Seen[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    app = serveDocs(new App({ logger: false }).include(Api), { title: 'Authorize test' });
    app.use(async (request, next) => {
      const { authorization, 'x-api-key': key } = request.headers;
      seen.push({ method: request.method, path: request.path, ...(authorization ? { authorization } : {}), ...(key ? { apiKey: key } : {}) });
      return next();
    });
    const { port } = await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  /** Runs Try it out → Execute on an expanded operation and gives the status and body Swagger UI shows. */
  async function execute(operation: Locator): Promise<{ status: string | null; body: string | null }> {
    const tryOut = operation.locator('.try-out__btn');
    // The first run turns Try it out on; afterwards the button reads Cancel.
    if ((await tryOut.textContent())?.trim() === 'Try it out') await tryOut.click();
    const live = operation.locator('.live-responses-table');
    // Clear first, so the status read below is the one of this Execute.
    const clear = operation.locator('.btn-clear');
    if (await clear.isVisible()) await clear.click();
    await live.waitFor({ state: 'detached', timeout: TIMEOUT });
    await operation.locator('.execute').click();
    await live.waitFor({ timeout: TIMEOUT });
    // The cell reads '401 Undocumented' for a status the operation does not list (as in FastAPI, the schemes' 401s are not listed).
    const status = await live.locator('tbody .response .response-col_status').textContent();
    return {
      status: status?.trim().split(/\s+/)[0] ?? null,
      body: await live.locator('tbody .response .highlight-code pre').first().textContent(),
    };
  }

  /** /docs, once Swagger UI has rendered the document, with the operation at this id expanded. */
  async function docsAt(operationId: string): Promise<LoopbackContext & { page: Page; operation: Locator }> {
    const isolated = await loopbackOnly(browser);
    const page = await isolated.context.newPage();
    await page.goto(`${base}/docs`);
    const operation = page.locator(`#operations-default-${operationId}`);
    await operation.waitFor({ timeout: TIMEOUT });
    // Rendered from the document's components.securitySchemes: without them there is nothing to authorize with.
    expect(await page.locator('.auth-wrapper .btn.authorize').count()).toBe(1);
    await operation.locator('.opblock-summary').click();
    return { page, operation, ...isolated };
  }

  /** The Authorize dialog's section for one scheme, by the name the document gives it. */
  async function authorizeSection(page: Page, scheme: string): Promise<Locator> {
    await page.locator('.auth-wrapper .btn.authorize').click();
    const dialog = page.locator('.dialog-ux .modal-ux');
    await dialog.waitFor({ timeout: TIMEOUT });
    return dialog.locator('.auth-container').filter({ has: page.locator('h4', { hasText: scheme }) });
  }

  async function closeAuthorize(page: Page): Promise<void> {
    const dialog = page.locator('.dialog-ux .modal-ux');
    await dialog.locator('.close-modal').click();
    await dialog.waitFor({ state: 'detached', timeout: TIMEOUT });
  }

  /** The API's own requests as the server saw them, not the docs pages'. */
  const apiCalls = () => seen.filter((s) => !s.path.startsWith('/docs') && s.path !== '/openapi.json');

  it(
    'OAuth2 password flow: 401 before Authorize, then the dialog gets a token from tokenUrl and Try it out answers 200',
    async () => {
      seen.length = 0;
      const { page, operation, context, requested, outside, errors } = await docsAt('me_users_me_get');

      const before = await execute(operation);
      expect(before.status).toBe('401');
      expect(JSON.parse(before.body ?? '')).toEqual({ detail: 'Not authenticated' });

      // Swagger UI posts the password form to tokenUrl and keeps the access token.
      const section = await authorizeSection(page, 'OAuth2PasswordBearer (OAuth2, password)');
      await section.locator('#oauth_username').fill(USER.username);
      await section.locator('#oauth_password').fill(PASSWORD);
      await section.getByRole('button', { name: 'Apply given OAuth2 credentials' }).click();
      // Authorized: the inputs give way to the values and Authorize to Logout (labelled Remove authorization).
      await section.getByRole('button', { name: 'Remove authorization' }).waitFor({ timeout: TIMEOUT });
      expect(await section.locator('h6').textContent()).toBe('Authorized');
      await closeAuthorize(page);

      const after = await execute(operation);
      expect(after.status).toBe('200');
      expect(JSON.parse(after.body ?? '')).toEqual(USER);

      expect(apiCalls()).toEqual([
        { method: 'GET', path: '/users/me' },
        // Swagger UI sends the (empty) client id and secret as Basic credentials, its default; the token route ignores them.
        { method: 'POST', path: '/token', authorization: 'Basic Og==' },
        { method: 'GET', path: '/users/me', authorization: `Bearer ${TOKEN}` },
      ]);
      expect(requested).toContain(`${base}/openapi.json`);
      expect(outside).toEqual([]);
      // The 401 is one console line; nothing else went wrong in the page.
      expect(errors).toEqual([UNAUTHORIZED_CONSOLE]);
      await context.close();
    },
    TIMEOUT * 2,
  );

  it(
    'API key header: 401 before Authorize, then Try it out sends the key and answers 200',
    async () => {
      seen.length = 0;
      const { page, operation, context, outside, errors } = await docsAt('keyed_keyed_get');

      const before = await execute(operation);
      expect(before.status).toBe('401');
      expect(JSON.parse(before.body ?? '')).toEqual({ detail: 'Not authenticated' });

      const section = await authorizeSection(page, 'APIKeyHeader');
      await section.locator('#api_key_value').fill(KEY);
      await section.getByRole('button', { name: 'Apply credentials' }).click();
      await section.getByRole('button', { name: 'Remove authorization' }).waitFor({ timeout: TIMEOUT });
      await closeAuthorize(page);

      const after = await execute(operation);
      expect(after.status).toBe('200');
      expect(JSON.parse(after.body ?? '')).toEqual({ keyed: true });

      expect(apiCalls()).toEqual([
        { method: 'GET', path: '/keyed' },
        { method: 'GET', path: '/keyed', apiKey: KEY },
      ]);
      expect(outside).toEqual([]);
      expect(errors).toEqual([UNAUTHORIZED_CONSOLE]);
      await context.close();
    },
    TIMEOUT * 2,
  );
});
