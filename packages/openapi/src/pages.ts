/**
 * The HTML of the docs pages. Every URL in them is one the app serves
 * itself: no CDN, no web fonts, no validator badge, so the pages work with
 * no network beyond the app.
 */

export interface SwaggerUiPage {
  title: string;
  openapiUrl: string;
  /** Where swagger-ui-bundle.js, swagger-ui.css and the favicon are served. */
  assetsUrl: string;
  oauth2RedirectUrl: string;
  /** Extra SwaggerUIBundle options (FastAPI's `swagger_ui_parameters`), JSON values only. */
  parameters?: Record<string, unknown>;
  /** Passed to `ui.initOAuth()` (FastAPI's `swagger_ui_init_oauth`): e.g. `{ clientId, usePkceWithAuthorizationCodeGrant: true }`. */
  initOAuth?: Record<string, unknown>;
}

export interface RedocPage {
  title: string;
  openapiUrl: string;
  /** The URL of redoc.standalone.js. */
  scriptUrl: string;
}

/** FastAPI's defaults, plus `validatorUrl: null`: Swagger UI would otherwise fetch a badge from validator.swagger.io. */
const SWAGGER_DEFAULTS = { dom_id: '#swagger-ui', layout: 'BaseLayout', deepLinking: true, showExtensions: true, showCommonExtensions: true, validatorUrl: null };

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** JSON that is safe inside a <script> element: no `</script>` or `<!--` can appear in it. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

/** The Swagger UI page (FastAPI's `get_swagger_ui_html`), with assets from `assetsUrl`. */
export function swaggerUiHtml(page: SwaggerUiPage): string {
  const config = { url: page.openapiUrl, ...SWAGGER_DEFAULTS, ...page.parameters };
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link type="text/css" rel="stylesheet" href="${escapeHtml(page.assetsUrl)}/swagger-ui.css">
<link rel="icon" type="image/png" href="${escapeHtml(page.assetsUrl)}/favicon-32x32.png">
<title>${escapeHtml(page.title)}</title>
</head>
<body>
<div id="swagger-ui"></div>
<script src="${escapeHtml(page.assetsUrl)}/swagger-ui-bundle.js"></script>
<script>
const ui = SwaggerUIBundle(Object.assign(${scriptJson(config)}, {
  oauth2RedirectUrl: window.location.origin + ${scriptJson(page.oauth2RedirectUrl)},
  presets: [SwaggerUIBundle.presets.apis],
}));${page.initOAuth ? `
ui.initOAuth(${scriptJson(page.initOAuth)});` : ''}
</script>
</body>
</html>
`;
}

/**
 * The Content-Security-Policy the ReDoc page is served with. ReDoc 2's bundle
 * always shows Redocly's logo in its sidebar footer, loaded from
 * cdn.redoc.ly; this policy keeps every load on the app's origin (or inline),
 * so the browser never makes that request and the bundle hides the image.
 */
export const REDOC_CSP =
  "default-src 'self'; script-src 'self' blob:; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'";

/** The ReDoc page (FastAPI's `get_redoc_html`), without the Google Fonts FastAPI links to. */
export function redocHtml(page: RedocPage): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>body { margin: 0; padding: 0; }</style>
</head>
<body>
<noscript>ReDoc requires JavaScript to function. Please enable it to browse the documentation.</noscript>
<redoc spec-url="${escapeHtml(page.openapiUrl)}"></redoc>
<script src="${escapeHtml(page.scriptUrl)}"></script>
</body>
</html>
`;
}

/** The page an OAuth2 provider redirects to from Swagger UI's "Authorize" (FastAPI's /docs/oauth2-redirect). */
export function oauth2RedirectHtml(scriptUrl: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Swagger UI: OAuth2 Redirect</title></head>
<body>
<script src="${escapeHtml(scriptUrl)}"></script>
</body>
</html>
`;
}
