import { Controller, FileResponse, Get, HTMLResponse, HTTPException, Path, Response, type App, type RouteInfo } from '@fastts/core';
import { AssetDir, isRedocAsset, isSwaggerUiAsset, redocDir, swaggerUiDir } from './assets.js';
import { openapiDocument, type OpenAPIInfo } from './document.js';
import { REDOC_CSP, oauth2RedirectHtml, redocHtml, swaggerUiHtml } from './pages.js';

export interface DocsOptions extends OpenAPIInfo {
  /** Where the document is served. Default `/openapi.json`; `null` or `false` serves no document and no docs pages. */
  openapiUrl?: string | null | false;
  /** Swagger UI. Default `/docs` (assets under `/docs/assets/`, OAuth2 redirect at `/docs/oauth2-redirect`); `null` or `false` for none. */
  docsUrl?: string | null | false;
  /** ReDoc. Default `/redoc` (its script under `/redoc/assets/`); `null` or `false` for none. */
  redocUrl?: string | null | false;
  /** Extra SwaggerUIBundle options, e.g. `{ docExpansion: 'none' }` (FastAPI's `swagger_ui_parameters`). */
  swaggerUiParameters?: Record<string, unknown>;
  /** Swagger UI's `initOAuth()` options for the Authorize dialog of OAuth2 flows (FastAPI's `swagger_ui_init_oauth`), e.g. `{ clientId: 'docs' }`. */
  swaggerUiInitOAuth?: Record<string, unknown>;
}

const hidden = { includeInSchema: false } as const;

/**
 * Serves the app's OpenAPI document and its docs pages from the app itself,
 * through controllers it registers: `/openapi.json`, Swagger UI at `/docs`
 * and ReDoc at `/redoc`. Every asset comes from an npm package on local disk,
 * so the pages work offline.
 *
 * The document is built on the first request for it and kept until the app's
 * routes change (`app.routes` is a new array after every recompile, e.g.
 * after another `include`), so start-up pays nothing and a request pays once.
 *
 * @example
 * ```ts
 * const app = new App().include(ItemsController);
 * serveDocs(app, { title: 'Items', version: '1.0.0', redocUrl: null });
 * await app.listen(8000); // http://127.0.0.1:8000/docs
 * ```
 */
export function serveDocs(app: App, options: DocsOptions = {}): App {
  const { openapiUrl, docsUrl, redocUrl, swaggerUiParameters, swaggerUiInitOAuth, ...info } = options;
  const documentUrl = urlOption(openapiUrl, '/openapi.json');
  // As in FastAPI: without a document there is nothing for the pages to show.
  if (documentUrl === undefined) return app;
  const title = info.title ?? 'fastts';
  app.include(documentController(documentUrl, new DocumentCache(app, info)));
  const swaggerUrl = urlOption(docsUrl, '/docs');
  if (swaggerUrl !== undefined) app.include(swaggerUiController(app, swaggerUrl, documentUrl, title, swaggerUiParameters, swaggerUiInitOAuth));
  const redoc = urlOption(redocUrl, '/redoc');
  if (redoc !== undefined) app.include(redocController(app, redoc, documentUrl, title));
  return app;
}

/** The serialized document, rebuilt only when the app's route list has changed. */
class DocumentCache {
  readonly #app: App;
  readonly #info: OpenAPIInfo;
  #routes: readonly RouteInfo[] | undefined;
  #response: Response | undefined;

  constructor(app: App, info: OpenAPIInfo) {
    this.#app = app;
    this.#info = info;
  }

  response(): Response {
    const routes = this.#app.routes;
    if (this.#response === undefined || routes !== this.#routes) {
      // One code path with openapiDocument(app): the app's validationErrorStatus, logger and routes.
      const body = JSON.stringify(openapiDocument(this.#app, this.#info));
      // A Response is never changed by fastts, so one instance serves every request.
      this.#response = new Response(body, { mediaType: 'application/json' });
      this.#routes = routes;
    }
    return this.#response;
  }
}

function documentController(url: string, cache: DocumentCache): Function {
  @Controller()
  class OpenAPIController {
    @Get(url, hidden)
    openapi(): Response {
      return cache.response();
    }
  }
  return OpenAPIController;
}

/**
 * A page whose URLs start with the app's root path (FastAPI's `root_path`),
 * built on first use: an app learns its root path when it is mounted, which
 * may come after serveDocs().
 */
function rootedPage(app: App, build: (root: string) => Response): () => Response {
  let root: string | undefined;
  let page: Response | undefined;
  return () => {
    if (page === undefined || root !== app.rootPath) page = build((root = app.rootPath));
    return page;
  };
}

function swaggerUiController(
  app: App,
  url: string,
  openapiUrl: string,
  title: string,
  parameters: Record<string, unknown> | undefined,
  initOAuth: Record<string, unknown> | undefined,
): Function {
  const assets = new AssetDir(swaggerUiDir(), isSwaggerUiAsset);
  const assetsUrl = `${trimSlash(url)}/assets`;
  const redirectUrl = `${trimSlash(url)}/oauth2-redirect`;
  const page = rootedPage(app, (root) =>
    new HTMLResponse(swaggerUiHtml({ title: `${title} - Swagger UI`, openapiUrl: root + openapiUrl, assetsUrl: root + assetsUrl, oauth2RedirectUrl: root + redirectUrl, parameters, initOAuth })),
  );
  const redirectPage = rootedPage(app, (root) => new HTMLResponse(oauth2RedirectHtml(`${root}${assetsUrl}/oauth2-redirect.js`)));

  @Controller()
  class SwaggerUIController {
    @Get(url, hidden)
    page(): Response {
      return page();
    }

    @Get(redirectUrl, hidden)
    oauth2Redirect(): Response {
      return redirectPage();
    }

    @Get(`${assetsUrl}/{file}`, hidden)
    asset(@Path('file') file: string): Response {
      return assetResponse(assets, file);
    }
  }
  return SwaggerUIController;
}

function redocController(app: App, url: string, openapiUrl: string, title: string): Function {
  const assets = new AssetDir(redocDir(), isRedocAsset);
  const assetsUrl = `${trimSlash(url)}/assets`;
  const page = rootedPage(app, (root) => {
    const html = redocHtml({ title: `${title} - ReDoc`, openapiUrl: root + openapiUrl, scriptUrl: `${root}${assetsUrl}/redoc.standalone.js` });
    return new HTMLResponse(html, { headers: { 'content-security-policy': REDOC_CSP } });
  });

  @Controller()
  class RedocController {
    @Get(url, hidden)
    page(): Response {
      return page();
    }

    @Get(`${assetsUrl}/{file}`, hidden)
    asset(@Path('file') file: string): Response {
      return assetResponse(assets, file);
    }
  }
  return RedocController;
}

function assetResponse(assets: AssetDir, name: string): Response {
  const path = assets.path(name);
  if (path === undefined) throw new HTTPException(404, 'Not Found');
  return new FileResponse(path);
}

function urlOption(value: string | null | false | undefined, fallback: string): string | undefined {
  if (value === null || value === false) return undefined;
  const url = value ?? fallback;
  return url.startsWith('/') ? url : `/${url}`;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');
