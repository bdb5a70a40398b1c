import { afterEach, describe, expect, it } from 'vitest';
import { APIRouter, App, Controller, Depends, Get, HTTPException, Post, dependency } from '@fastts/core';
import {
  APIKeyCookie,
  APIKeyHeader,
  APIKeyQuery,
  HTTPBasic,
  HTTPBearer,
  HTTPDigest,
  OAuth2AuthorizationCodeBearer,
  OAuth2PasswordBearer,
  OAuth2PasswordRequestForm,
  OpenIdConnect,
  Security,
  SecurityScopes,
  securityScheme,
} from '@fastts/core/security';
import { openapiDocument, serveDocs } from '@fastts/openapi';
import { expectValidOpenAPI } from './validate.js';

// components.securitySchemes and each operation's `security`, derived from the
// security dependencies anywhere in a route's tree, as FastAPI's
// get_openapi derives them; and the Swagger UI pieces the Authorize button needs.

const oauth2Scheme = OAuth2PasswordBearer({ tokenUrl: 'token', scopes: { me: 'Read information about the current user.', items: 'Read items.' } });
const currentUser = dependency([SecurityScopes, Depends(oauth2Scheme)], (scopes, token) => ({ token, scopes: scopes.scopes }));
const activeUser = dependency([Security(currentUser, { scopes: ['me'] })], (user) => user);

@Controller()
class ScopesTutorial {
  @Post('/token')
  login(@Depends(OAuth2PasswordRequestForm) form: OAuth2PasswordRequestForm) {
    return { access_token: form.username, token_type: 'bearer' };
  }

  @Get('/users/me')
  me(@Depends(activeUser) user: object) {
    return user;
  }

  @Get('/users/me/items')
  items(@Security(activeUser, { scopes: ['items'] }) user: object) {
    return user;
  }

  @Get('/status')
  status(@Depends(currentUser) user: object) {
    return user;
  }

  @Get('/public')
  open() {
    return {};
  }
}

const documentOf = (...controllers: (Function | APIRouter)[]) => {
  const app = new App({ logger: false });
  for (const c of controllers) app.include(c as Function);
  return openapiDocument(app);
};

describe('security in the OpenAPI document', () => {
  it("lists the OAuth2 password flow once and each operation's merged scopes, as FastAPI's scopes tutorial", async () => {
    const doc = documentOf(ScopesTutorial);
    expect(doc.components!.securitySchemes).toEqual({
      OAuth2PasswordBearer: {
        type: 'oauth2',
        flows: { password: { scopes: { me: 'Read information about the current user.', items: 'Read items.' }, tokenUrl: 'token' } },
      },
    });
    expect(doc.paths['/users/me']!['get']!.security).toEqual([{ OAuth2PasswordBearer: ['me'] }]);
    expect(doc.paths['/users/me/items']!['get']!.security).toEqual([{ OAuth2PasswordBearer: ['items', 'me'] }]);
    expect(doc.paths['/status']!['get']!.security).toEqual([{ OAuth2PasswordBearer: [] }]);
    expect(doc.paths['/public']!['get']).not.toHaveProperty('security');
    expect(doc.paths['/token']!['post']).not.toHaveProperty('security');
    // FastAPI's key order: security comes after deprecated and before parameters.
    expect(Object.keys(doc.paths['/users/me']!['get']!)).toEqual(['summary', 'operationId', 'security', 'responses']);
    // The password form of the token route: a urlencoded body with FastAPI's field names.
    const form = doc.components!.schemas!['Body_login_token_post']!;
    expect(form['required']).toEqual(['username', 'password']);
    expect(Object.keys(form['properties'] as object)).toEqual(['grant_type', 'username', 'password', 'scope', 'client_id', 'client_secret']);
    expect((form['properties'] as Record<string, object>)['grant_type']).toMatchObject({ type: 'string', pattern: '^password$' });
    await expectValidOpenAPI(doc);
  });

  it("writes each scheme's Security Scheme Object as FastAPI does", async () => {
    const schemes = {
      bearer: HTTPBearer({ bearerFormat: 'JWT', description: 'A JWT' }),
      basic: HTTPBasic({ realm: 'ignored by OpenAPI' }),
      header: APIKeyHeader({ name: 'X-API-Key' }),
      query: APIKeyQuery({ name: 'api_key' }),
      cookie: APIKeyCookie({ name: 'session' }),
      oidc: OpenIdConnect({ openIdConnectUrl: 'https://id.example/.well-known/openid-configuration' }),
      code: OAuth2AuthorizationCodeBearer({ authorizationUrl: 'https://id.example/authorize', tokenUrl: 'https://id.example/token', refreshUrl: 'https://id.example/refresh' }),
      named: OAuth2PasswordBearer({ tokenUrl: '/auth/token', schemeName: 'Password', description: 'Log in with a password' }),
    };

    @Controller()
    class Everything {
      @Get('/all')
      all(
        @Depends(schemes.bearer) a: unknown,
        @Depends(schemes.basic) b: unknown,
        @Depends(schemes.header) c: unknown,
        @Depends(schemes.query) d: unknown,
        @Depends(schemes.cookie) e: unknown,
        @Depends(schemes.oidc) f: unknown,
        @Depends(schemes.code) g: unknown,
        @Depends(schemes.named) h: unknown,
      ) {
        return [a, b, c, d, e, f, g, h];
      }
    }
    const doc = documentOf(Everything);
    expect(doc.components!.securitySchemes).toEqual({
      HTTPBearer: { type: 'http', description: 'A JWT', scheme: 'bearer', bearerFormat: 'JWT' },
      HTTPBasic: { type: 'http', scheme: 'basic' },
      APIKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      APIKeyQuery: { type: 'apiKey', in: 'query', name: 'api_key' },
      APIKeyCookie: { type: 'apiKey', in: 'cookie', name: 'session' },
      OpenIdConnect: { type: 'openIdConnect', openIdConnectUrl: 'https://id.example/.well-known/openid-configuration' },
      OAuth2AuthorizationCodeBearer: {
        type: 'oauth2',
        flows: { authorizationCode: { refreshUrl: 'https://id.example/refresh', scopes: {}, authorizationUrl: 'https://id.example/authorize', tokenUrl: 'https://id.example/token' } },
      },
      Password: { type: 'oauth2', description: 'Log in with a password', flows: { password: { scopes: {}, tokenUrl: '/auth/token' } } },
    });
    // One requirement per scheme, in the order of the parameters; reading them adds no parameters.
    expect(doc.paths['/all']!['get']!.security).toEqual([
      { HTTPBearer: [] },
      { HTTPBasic: [] },
      { APIKeyHeader: [] },
      { APIKeyQuery: [] },
      { APIKeyCookie: [] },
      { OpenIdConnect: [] },
      { OAuth2AuthorizationCodeBearer: [] },
      { Password: [] },
    ]);
    expect(doc.paths['/all']!['get']).not.toHaveProperty('parameters');
    await expectValidOpenAPI(doc);
  });

  it("writes HTTPDigest as FastAPI does, { type: 'http', scheme: 'digest' }, with its schemeName and description", async () => {
    const digest = HTTPDigest();
    const named = HTTPDigest({ schemeName: 'AppDigest', description: 'RFC 7616, checked by the app', autoError: false });

    @Controller()
    class Digests {
      @Get('/users/me')
      me(@Depends(digest) credentials: unknown) {
        return credentials;
      }

      @Get('/maybe')
      maybe(@Depends(named) credentials: unknown) {
        return credentials;
      }
    }
    const doc = documentOf(Digests);
    expect(doc.components!.securitySchemes).toEqual({
      HTTPDigest: { type: 'http', scheme: 'digest' },
      AppDigest: { type: 'http', description: 'RFC 7616, checked by the app', scheme: 'digest' },
    });
    expect(Object.keys(doc.components!.securitySchemes!['AppDigest']!)).toEqual(['type', 'description', 'scheme']);
    expect(doc.paths['/users/me']!['get']!.security).toEqual([{ HTTPDigest: [] }]);
    expect(doc.paths['/maybe']!['get']!.security).toEqual([{ AppDigest: [] }]);
    expect(doc.paths['/users/me']!['get']).not.toHaveProperty('parameters');
    await expectValidOpenAPI(doc);
  });

  it('declares a scheme used by several routes once, and finds it in router, controller and app dependencies', async () => {
    const apiKey = APIKeyHeader({ name: 'X-API-Key' });
    const checkKey = dependency([Depends(apiKey)], (key) => {
      if (key !== 'k') throw new HTTPException(401, 'Invalid API key');
    });
    const bearer = HTTPBearer();

    @Controller('/items')
    class Items {
      @Get('')
      list() {
        return [];
      }

      @Get('/{id}')
      one() {
        return {};
      }
    }

    @Controller('/admin', { dependencies: [Depends(bearer)] })
    class Admin {
      @Get('')
      panel() {
        return {};
      }
    }

    @Controller('/health')
    class Health {
      @Get('')
      health() {
        return {};
      }
    }

    const router = new APIRouter({ prefix: '/v1', dependencies: [Depends(checkKey)] }).include(Items).include(Admin);
    const doc = documentOf(router, Health);
    expect(doc.components!.securitySchemes).toEqual({
      APIKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      HTTPBearer: { type: 'http', scheme: 'bearer' },
    });
    expect(doc.paths['/v1/items']!['get']!.security).toEqual([{ APIKeyHeader: [] }]);
    expect(doc.paths['/v1/items/{id}']!['get']!.security).toEqual([{ APIKeyHeader: [] }]);
    // The router's dependency first, then the controller's.
    expect(doc.paths['/v1/admin']!['get']!.security).toEqual([{ APIKeyHeader: [] }, { HTTPBearer: [] }]);
    expect(doc.paths['/health']!['get']).not.toHaveProperty('security');

    const global = new App({ logger: false, dependencies: [Security(oauth2Scheme, { scopes: ['me'] })] }).include(Health);
    expect(openapiDocument(global).paths['/health']!['get']!.security).toEqual([{ OAuth2PasswordBearer: ['me'] }]);
    await expectValidOpenAPI(doc);
  });

  it('merges the scopes of every path to one scheme into one requirement', () => {
    const readItems = dependency([Security(oauth2Scheme, { scopes: ['items'] })], (t) => t);
    const readMe = dependency([Security(oauth2Scheme, { scopes: ['me'] })], (t) => t);

    @Controller()
    class Both {
      @Get('/both', { dependencies: [Depends(readItems)] })
      both(@Depends(readMe) token: string, @Depends(oauth2Scheme) again: string) {
        return { token, again };
      }
    }
    expect(documentOf(Both).paths['/both']!['get']!.security).toEqual([{ OAuth2PasswordBearer: ['items', 'me'] }]);
  });

  it('documents a scheme as declared when dependencyOverrides replaces it', () => {
    const app = new App({ logger: false }).include(ScopesTutorial);
    const before = openapiDocument(app);
    app.dependencyOverrides.set(oauth2Scheme, () => 'test-token');
    const after = openapiDocument(app);
    expect(after.paths['/users/me/items']!['get']!.security).toEqual([{ OAuth2PasswordBearer: ['items', 'me'] }]);
    expect(after).toEqual(before);
  });

  it('lists a scheme of the app\'s own, declared with securityScheme()', () => {
    const cookieToken = securityScheme(
      { name: 'CookieToken', openapi: { type: 'apiKey', in: 'cookie', name: 'token' } },
      dependency([], () => 'from-cookie'),
    );

    @Controller()
    class Own {
      @Get('/own')
      own(@Depends(cookieToken) token: string) {
        return { token };
      }
    }
    const doc = documentOf(Own);
    expect(doc.components!.securitySchemes).toEqual({ CookieToken: { type: 'apiKey', in: 'cookie', name: 'token' } });
    expect(doc.paths['/own']!['get']!.security).toEqual([{ CookieToken: [] }]);
  });
});

describe('Swagger UI for security', () => {
  let app: App | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(options?: Parameters<typeof serveDocs>[1]): Promise<string> {
    app = serveDocs(new App({ logger: false }).include(ScopesTutorial), options);
    const { port } = await app.listen(0, '127.0.0.1');
    return `http://127.0.0.1:${port}`;
  }

  it('serves the document with its schemes, the page with oauth2RedirectUrl, and the redirect page and script offline', async () => {
    const base = await start({ swaggerUiInitOAuth: { clientId: 'docs', usePkceWithAuthorizationCodeGrant: true } });
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { components: { securitySchemes: Record<string, { flows: { password: { tokenUrl: string } } }> } };
    expect(doc.components.securitySchemes.OAuth2PasswordBearer.flows.password.tokenUrl).toBe('token');

    const page = await (await fetch(`${base}/docs`)).text();
    expect(page).toContain('oauth2RedirectUrl: window.location.origin + "/docs/oauth2-redirect"');
    expect(page).toContain('ui.initOAuth({"clientId":"docs","usePkceWithAuthorizationCodeGrant":true});');

    const redirect = await fetch(`${base}/docs/oauth2-redirect`);
    expect(redirect.status).toBe(200);
    expect(redirect.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await redirect.text();
    expect(html).toContain('<script src="/docs/assets/oauth2-redirect.js"></script>');
    expect(html).not.toMatch(/https?:/);
    const script = await fetch(`${base}/docs/assets/oauth2-redirect.js`);
    expect(script.status).toBe(200);
    // swagger-ui-dist's script hands the code or token back to the page that opened it.
    expect(await script.text()).toContain('swaggerUIRedirectOauth2');
  });

  it('calls no initOAuth unless asked', async () => {
    const base = await start();
    expect(await (await fetch(`${base}/docs`)).text()).not.toContain('initOAuth');
  });
});
