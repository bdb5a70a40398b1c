import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { App, Controller, Depends, Get, HTTPException, Post, dependency, type Provided } from '@fastts/core';
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
  OAuth2PasswordRequestFormStrict,
  OpenIdConnect,
  Security,
  SecurityScopes,
  compareSecret,
  secretMatcher,
  type HTTPAuthorizationCredentials,
  type HTTPBasicCredentials,
} from '@fastts/core/security';

// Each scheme of fastapi.security over a real socket: what it gives, and
// FastAPI 0.122+'s 401 with a WWW-Authenticate challenge when credentials are
// missing (autoError) or null instead (autoError: false).

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(...controllers: Function[]): Promise<string> {
  app = new App({ logger: false });
  for (const c of controllers) app.include(c);
  const { port } = await app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${port}`;
}

interface Answer {
  status: number;
  body: unknown;
  challenge: string | null;
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, challenge: res.headers.get('www-authenticate') };
}

const auth = (value: string) => ({ headers: { authorization: value } });
const unauthenticated = (challenge: string): Answer => ({ status: 401, body: { detail: 'Not authenticated' }, challenge });
const basicOf = (text: string) => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`;

describe('OAuth2PasswordBearer', () => {
  const scheme = OAuth2PasswordBearer({ tokenUrl: 'token' });
  const optional = OAuth2PasswordBearer({ tokenUrl: 'token', autoError: false });

  @Controller()
  class Api {
    @Get('/me')
    me(@Depends(scheme) token: string) {
      return { token };
    }

    @Get('/maybe')
    maybe(@Depends(optional) token: string | null) {
      return { token };
    }
  }

  it('gives the bearer token, the scheme in any case', async () => {
    const base = await start(Api);
    expect(await call(`${base}/me`, auth('Bearer abc.def'))).toEqual({ status: 200, body: { token: 'abc.def' }, challenge: null });
    expect(await call(`${base}/me`, auth('bearer abc'))).toMatchObject({ status: 200, body: { token: 'abc' } });
    expect(await call(`${base}/me`, auth('BEARER   spaced  '))).toMatchObject({ status: 200, body: { token: 'spaced' } });
  });

  it('answers 401 with WWW-Authenticate: Bearer when the token is missing, empty or of another scheme', async () => {
    const base = await start(Api);
    expect(await call(`${base}/me`)).toEqual(unauthenticated('Bearer'));
    expect(await call(`${base}/me`, auth('Bearer'))).toEqual(unauthenticated('Bearer'));
    expect(await call(`${base}/me`, auth('Bearer    '))).toEqual(unauthenticated('Bearer'));
    expect(await call(`${base}/me`, auth('Basic abc'))).toEqual(unauthenticated('Bearer'));
    expect(await call(`${base}/me`, auth('Bearerabc'))).toEqual(unauthenticated('Bearer'));
  });

  it('gives null with autoError: false', async () => {
    const base = await start(Api);
    expect(await call(`${base}/maybe`)).toEqual({ status: 200, body: { token: null }, challenge: null });
    expect(await call(`${base}/maybe`, auth('Basic abc'))).toMatchObject({ status: 200, body: { token: null } });
    expect(await call(`${base}/maybe`, auth('Bearer abc'))).toMatchObject({ status: 200, body: { token: 'abc' } });
  });
});

describe('OAuth2AuthorizationCodeBearer and OpenIdConnect', () => {
  const code = OAuth2AuthorizationCodeBearer({ authorizationUrl: 'https://id.example/authorize', tokenUrl: 'https://id.example/token' });
  const oidc = OpenIdConnect({ openIdConnectUrl: 'https://id.example/.well-known/openid-configuration' });
  const oidcOptional = OpenIdConnect({ openIdConnectUrl: 'https://id.example/.well-known/openid-configuration', autoError: false });

  @Controller()
  class Api {
    @Get('/code')
    code(@Depends(code) token: string) {
      return { token };
    }

    @Get('/oidc')
    oidc(@Depends(oidc) authorization: string) {
      return { authorization };
    }

    @Get('/oidc-optional')
    oidcOptional(@Depends(oidcOptional) authorization: string | null) {
      return { authorization };
    }
  }

  it('reads a bearer token, or the whole Authorization header for OpenID Connect', async () => {
    const base = await start(Api);
    expect(await call(`${base}/code`, auth('Bearer xyz'))).toMatchObject({ status: 200, body: { token: 'xyz' } });
    expect(await call(`${base}/code`)).toEqual(unauthenticated('Bearer'));
    expect(await call(`${base}/oidc`, auth('Bearer xyz'))).toMatchObject({ status: 200, body: { authorization: 'Bearer xyz' } });
    expect(await call(`${base}/oidc`)).toEqual(unauthenticated('Bearer'));
    expect(await call(`${base}/oidc-optional`)).toMatchObject({ status: 200, body: { authorization: null } });
  });
});

describe('HTTPBearer', () => {
  const bearer = HTTPBearer();
  const optional = HTTPBearer({ autoError: false });

  @Controller()
  class Api {
    @Get('/me')
    me(@Depends(bearer) credentials: HTTPAuthorizationCredentials) {
      return credentials;
    }

    @Get('/maybe')
    maybe(@Depends(optional) credentials: HTTPAuthorizationCredentials | null) {
      return { credentials };
    }
  }

  it('gives the scheme as sent and the credentials', async () => {
    const base = await start(Api);
    expect(await call(`${base}/me`, auth('Bearer t0k3n'))).toEqual({ status: 200, body: { scheme: 'Bearer', credentials: 't0k3n' }, challenge: null });
    expect(await call(`${base}/me`, auth('bEaReR t0k3n'))).toMatchObject({ status: 200, body: { scheme: 'bEaReR', credentials: 't0k3n' } });
  });

  it('answers 401 with WWW-Authenticate: Bearer, or gives null with autoError: false', async () => {
    const base = await start(Api);
    for (const init of [{}, auth('Bearer'), auth('Bearer   '), auth('Basic dTpw'), auth('token')]) {
      expect(await call(`${base}/me`, init)).toEqual(unauthenticated('Bearer'));
      expect(await call(`${base}/maybe`, init)).toEqual({ status: 200, body: { credentials: null }, challenge: null });
    }
  });
});

describe('HTTPDigest', () => {
  const digest = HTTPDigest();
  const optional = HTTPDigest({ autoError: false });

  @Controller()
  class Api {
    @Get('/me')
    me(@Depends(digest) credentials: HTTPAuthorizationCredentials) {
      return credentials;
    }

    @Get('/maybe')
    maybe(@Depends(optional) credentials: HTTPAuthorizationCredentials | null) {
      return { credentials };
    }
  }

  const response = 'Digest username="ada", realm="api", nonce="dcd98b", uri="/me", response="6629fae4"';

  it('gives the scheme as sent and the rest of the header unchecked: verifying the digest is the app\'s job', async () => {
    const base = await start(Api);
    expect(await call(`${base}/me`, auth('Digest foobar'))).toEqual({ status: 200, body: { scheme: 'Digest', credentials: 'foobar' }, challenge: null });
    expect(await call(`${base}/me`, auth(response))).toMatchObject({ status: 200, body: { scheme: 'Digest', credentials: response.slice('Digest '.length) } });
    expect(await call(`${base}/me`, auth('dIGEST   spaced  '))).toMatchObject({ status: 200, body: { scheme: 'dIGEST', credentials: 'spaced' } });
  });

  it('answers 401 with WWW-Authenticate: Digest when credentials are missing, empty or of another scheme, or gives null with autoError: false', async () => {
    const base = await start(Api);
    for (const init of [{}, auth('Digest'), auth('Digest   '), auth('Other invalidauthorization'), auth('Basic dTpw'), auth('Bearer t0k3n'), auth('Digestfoobar')]) {
      expect(await call(`${base}/me`, init)).toEqual(unauthenticated('Digest'));
      expect(await call(`${base}/maybe`, init)).toEqual({ status: 200, body: { credentials: null }, challenge: null });
    }
    expect(await call(`${base}/maybe`, auth('Digest foobar'))).toMatchObject({ status: 200, body: { credentials: { scheme: 'Digest', credentials: 'foobar' } } });
  });
});

describe('HTTPBasic', () => {
  const basic = HTTPBasic();
  const realm = HTTPBasic({ realm: 'admin area' });
  const optional = HTTPBasic({ autoError: false });
  const admin = dependency([Depends(basic)], (credentials) => {
    const ok = compareSecret(credentials.username, 'ada') && compareSecret(credentials.password, 's3cret');
    if (!ok) throw new HTTPException(401, 'Incorrect username or password', { 'WWW-Authenticate': 'Basic' });
    return credentials.username;
  });

  @Controller()
  class Api {
    @Get('/me')
    me(@Depends(basic) credentials: HTTPBasicCredentials) {
      return credentials;
    }

    @Get('/realm')
    realm(@Depends(realm) credentials: HTTPBasicCredentials) {
      return credentials;
    }

    @Get('/maybe')
    maybe(@Depends(optional) credentials: HTTPBasicCredentials | null) {
      return { credentials };
    }

    @Get('/admin')
    admin(@Depends(admin) user: string) {
      return { user };
    }
  }

  it('decodes user:password as UTF-8, splitting at the first colon', async () => {
    const base = await start(Api);
    expect(await call(`${base}/me`, auth(basicOf('ada:s3cret')))).toEqual({ status: 200, body: { username: 'ada', password: 's3cret' }, challenge: null });
    expect(await call(`${base}/me`, auth(basicOf('zoë:pâss:with:colons')))).toMatchObject({ body: { username: 'zoë', password: 'pâss:with:colons' } });
    expect(await call(`${base}/me`, auth(basicOf(':')))).toMatchObject({ body: { username: '', password: '' } });
    expect(await call(`${base}/me`, auth(`basic ${Buffer.from('a:b').toString('base64')}`))).toMatchObject({ status: 200, body: { username: 'a' } });
  });

  it('answers 401 with the Basic challenge (and its realm) when credentials are missing or of another scheme', async () => {
    const base = await start(Api);
    expect(await call(`${base}/me`)).toEqual(unauthenticated('Basic'));
    expect(await call(`${base}/me`, auth('Bearer abc'))).toEqual(unauthenticated('Basic'));
    expect(await call(`${base}/realm`)).toEqual(unauthenticated('Basic realm="admin area"'));
    expect(await call(`${base}/maybe`)).toEqual({ status: 200, body: { credentials: null }, challenge: null });
    expect(await call(`${base}/maybe`, auth('Bearer abc'))).toMatchObject({ status: 200, body: { credentials: null } });
  });

  it('answers 401 to credentials that are not base64, not UTF-8 or have no colon, even with autoError: false', async () => {
    const base = await start(Api);
    const invalid = [
      'Basic',
      'Basic !!!!',
      'Basic YWRhOnMzY3JldA', // unpadded
      'Basic YWRh', // "ada": no colon
      `Basic ${Buffer.from([0x61, 0x3a, 0xff, 0xfe]).toString('base64')}`, // "a:" then bytes that are not UTF-8
      `Basic ${Buffer.from([0xc3, 0x3a, 0x62]).toString('base64')}`, // a truncated sequence before the colon
    ];
    for (const value of invalid) {
      expect(await call(`${base}/me`, auth(value)), value).toEqual(unauthenticated('Basic'));
      expect(await call(`${base}/realm`, auth(value)), value).toEqual(unauthenticated('Basic realm="admin area"'));
      expect(await call(`${base}/maybe`, auth(value)), value).toEqual(unauthenticated('Basic'));
    }
  });

  it('lets the app check the password in constant time with compareSecret', async () => {
    const base = await start(Api);
    expect(await call(`${base}/admin`, auth(basicOf('ada:s3cret')))).toMatchObject({ status: 200, body: { user: 'ada' } });
    expect(await call(`${base}/admin`, auth(basicOf('ada:s3cre')))).toEqual({ status: 401, body: { detail: 'Incorrect username or password' }, challenge: 'Basic' });
    expect(await call(`${base}/admin`)).toEqual(unauthenticated('Basic'));
  });
});

describe('APIKeyHeader, APIKeyQuery, APIKeyCookie', () => {
  const header = APIKeyHeader({ name: 'X-API-Key' });
  const query = APIKeyQuery({ name: 'api_key' });
  const cookie = APIKeyCookie({ name: 'session' });
  const optionalHeader = APIKeyHeader({ name: 'X-API-Key', autoError: false });
  const optionalQuery = APIKeyQuery({ name: 'api_key', autoError: false });
  const optionalCookie = APIKeyCookie({ name: 'session', autoError: false });

  @Controller()
  class Api {
    @Get('/header')
    header(@Depends(header) key: string) {
      return { key };
    }

    @Get('/query')
    query(@Depends(query) key: string) {
      return { key };
    }

    @Get('/cookie')
    cookie(@Depends(cookie) key: string) {
      return { key };
    }

    @Get('/optional')
    optional(@Depends(optionalHeader) h: string | null, @Depends(optionalQuery) q: string | null, @Depends(optionalCookie) c: string | null) {
      return { h, q, c };
    }
  }

  it('gives the key from its header (any case), query parameter or cookie', async () => {
    const base = await start(Api);
    expect(await call(`${base}/header`, { headers: { 'x-api-key': 'k1' } })).toEqual({ status: 200, body: { key: 'k1' }, challenge: null });
    expect(await call(`${base}/query?api_key=k2`)).toMatchObject({ status: 200, body: { key: 'k2' } });
    expect(await call(`${base}/query?api_key=first&api_key=last`)).toMatchObject({ status: 200, body: { key: 'last' } });
    expect(await call(`${base}/cookie`, { headers: { cookie: 'other=1; session=k3' } })).toMatchObject({ status: 200, body: { key: 'k3' } });
  });

  it('answers 401 with WWW-Authenticate: APIKey when the key is missing or empty', async () => {
    const base = await start(Api);
    expect(await call(`${base}/header`)).toEqual(unauthenticated('APIKey'));
    expect(await call(`${base}/header`, { headers: { 'x-api-key': '' } })).toEqual(unauthenticated('APIKey'));
    expect(await call(`${base}/query`)).toEqual(unauthenticated('APIKey'));
    expect(await call(`${base}/query?api_key=`)).toEqual(unauthenticated('APIKey'));
    expect(await call(`${base}/cookie`)).toEqual(unauthenticated('APIKey'));
    expect(await call(`${base}/cookie`, { headers: { cookie: 'session=' } })).toEqual(unauthenticated('APIKey'));
  });

  it('gives null with autoError: false', async () => {
    const base = await start(Api);
    expect(await call(`${base}/optional`)).toEqual({ status: 200, body: { h: null, q: null, c: null }, challenge: null });
    expect(await call(`${base}/optional?api_key=q`, { headers: { 'x-api-key': 'h', cookie: 'session=c' } })).toMatchObject({ body: { h: 'h', q: 'q', c: 'c' } });
  });
});

describe('OAuth2PasswordRequestForm', () => {
  @Controller()
  class Api {
    @Post('/token')
    token(@Depends(OAuth2PasswordRequestForm) form: OAuth2PasswordRequestForm) {
      return { ...form };
    }

    @Post('/strict')
    strict(@Depends(OAuth2PasswordRequestFormStrict) form: OAuth2PasswordRequestFormStrict) {
      return { grantType: form.grantType, username: form.username };
    }
  }

  const form = (fields: Record<string, string>) => ({ method: 'POST', body: new URLSearchParams(fields) });

  it('reads username, password, scopes split at spaces and the optional fields from a urlencoded form', async () => {
    const base = await start(Api);
    expect(await call(`${base}/token`, form({ username: 'ada', password: 'pw' }))).toEqual({
      status: 200,
      body: { grantType: null, username: 'ada', password: 'pw', scopes: [], clientId: null, clientSecret: null },
      challenge: null,
    });
    const full = { grant_type: 'password', username: 'ada', password: 'pw', scope: ' items:read  me\tusers ', client_id: 'cli', client_secret: 'sec' };
    expect(await call(`${base}/token`, form(full))).toMatchObject({
      status: 200,
      body: { grantType: 'password', username: 'ada', password: 'pw', scopes: ['items:read', 'me', 'users'], clientId: 'cli', clientSecret: 'sec' },
    });
  });

  it("answers 422 as FastAPI does: missing fields, and a grant_type other than 'password'", async () => {
    const base = await start(Api);
    expect(await call(`${base}/token`, form({ username: 'ada' }))).toEqual({
      status: 422,
      body: { detail: [{ type: 'missing', loc: ['body', 'password'], msg: 'Field required', input: null }] },
      challenge: null,
    });
    // Every issue at once, in the form's field order.
    expect(await call(`${base}/token`, form({ grant_type: 'client_credentials', username: 'ada' }))).toEqual({
      status: 422,
      body: {
        detail: [
          { type: 'string_pattern_mismatch', loc: ['body', 'grant_type'], msg: "String should match pattern '^password$'", input: 'client_credentials', ctx: { pattern: '^password$' } },
          { type: 'missing', loc: ['body', 'password'], msg: 'Field required', input: null },
        ],
      },
      challenge: null,
    });
  });

  it('requires grant_type=password in the strict form', async () => {
    const base = await start(Api);
    expect(await call(`${base}/strict`, form({ grant_type: 'password', username: 'ada', password: 'pw' }))).toMatchObject({ status: 200, body: { grantType: 'password', username: 'ada' } });
    expect(await call(`${base}/strict`, form({ username: 'ada', password: 'pw' }))).toMatchObject({
      status: 422,
      body: { detail: [{ type: 'missing', loc: ['body', 'grant_type'] }] },
    });
  });
});

describe('compareSecret', () => {
  it('is true for equal secrets only, of any length, strings or bytes', () => {
    expect(compareSecret('s3cret', 's3cret')).toBe(true);
    expect(compareSecret('s3cret', 's3cret ')).toBe(false);
    expect(compareSecret('s3cret', 'S3cret')).toBe(false);
    expect(compareSecret('', '')).toBe(true);
    expect(compareSecret('', 'x')).toBe(false);
    expect(compareSecret(Buffer.from('zoë'), 'zoë')).toBe(true);
    expect(compareSecret('a'.repeat(10_000), 'a'.repeat(10_000))).toBe(true);
  });

  it('secretMatcher checks against one stored secret the same way', () => {
    const isKey = secretMatcher('s3cret');
    expect([isKey('s3cret'), isKey('s3cret '), isKey('S3cret'), isKey(''), isKey(Buffer.from('s3cret'))]).toEqual([true, false, false, false, true]);
    // A view into a larger buffer: only its own bytes count.
    const whole = Buffer.from('xxs3cretyy');
    expect(isKey(new Uint8Array(whole.buffer, whole.byteOffset + 2, 6))).toBe(true);
    expect(secretMatcher(Buffer.from('zoë'))('zoë')).toBe(true);
  });
});

describe('types', () => {
  it('gives each scheme its value type, with null only under autoError: false', () => {
    const required = OAuth2PasswordBearer({ tokenUrl: 'token' });
    expectTypeOf<Provided<typeof required>>().toEqualTypeOf<string>();
    const optional = OAuth2PasswordBearer({ tokenUrl: 'token', autoError: false });
    expectTypeOf<Provided<typeof optional>>().toEqualTypeOf<string | null>();
    const bearer = HTTPBearer();
    expectTypeOf<Provided<typeof bearer>>().toEqualTypeOf<HTTPAuthorizationCredentials>();
    const basic = HTTPBasic({ autoError: false });
    expectTypeOf<Provided<typeof basic>>().toEqualTypeOf<HTTPBasicCredentials | null>();
    const digest = HTTPDigest();
    expectTypeOf<Provided<typeof digest>>().toEqualTypeOf<HTTPAuthorizationCredentials>();
    const optionalDigest = HTTPDigest({ autoError: false });
    expectTypeOf<Provided<typeof optionalDigest>>().toEqualTypeOf<HTTPAuthorizationCredentials | null>();
    const key = APIKeyHeader({ name: 'x-key' });
    dependency([SecurityScopes, Security(key, { scopes: ['a'] })], (scopes, k) => {
      expectTypeOf(scopes.scopes).toEqualTypeOf<readonly string[]>();
      expectTypeOf(k).toEqualTypeOf<string>();
    });
  });
});
