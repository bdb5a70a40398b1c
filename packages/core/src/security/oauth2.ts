import { Form } from '../decorators/params.js';
import { dependency } from '../di/depends.js';
import { Request } from '../http/request.js';
import { authorizationParts, named, notAuthenticated, schemeObject, type Credential, type SchemeOptions } from './authorization.js';
import { securityScheme } from './scheme.js';

export interface OAuth2PasswordBearerOptions extends SchemeOptions {
  /** The URL of the route that issues tokens (the one reading `OAuth2PasswordRequestForm`); relative URLs resolve against /docs's page. */
  tokenUrl: string;
  /** The scopes the token route can grant: name → description, shown in /docs's Authorize dialog. */
  scopes?: Record<string, string>;
  refreshUrl?: string;
}

export interface OAuth2AuthorizationCodeBearerOptions extends OAuth2PasswordBearerOptions {
  authorizationUrl: string;
}

/**
 * OAuth2's password flow with bearer tokens (FastAPI's `OAuth2PasswordBearer`):
 * a dependency that gives the token of `Authorization: Bearer <token>` (the
 * scheme in any case). Without one: 401 `Not authenticated` with
 * `WWW-Authenticate: Bearer`, or null with `autoError: false`. Checking the
 * token is the app's own dependency on top of this one.
 *
 * @example
 * ```ts
 * const oauth2Scheme = OAuth2PasswordBearer({ tokenUrl: 'token' });
 * const currentUser = dependency([Depends(oauth2Scheme)], (token) => usersByToken.get(token) ?? unauthorized());
 * ```
 */
export function OAuth2PasswordBearer<const O extends OAuth2PasswordBearerOptions>(options: O): (request: Request) => Credential<string, O> {
  const flow = { ...(options.refreshUrl === undefined ? {} : { refreshUrl: options.refreshUrl }), scopes: { ...options.scopes }, tokenUrl: options.tokenUrl };
  return bearer('OAuth2PasswordBearer', options, { password: flow });
}

/** OAuth2's authorization code flow with bearer tokens (FastAPI's `OAuth2AuthorizationCodeBearer`); reads the token as `OAuth2PasswordBearer` does. */
export function OAuth2AuthorizationCodeBearer<const O extends OAuth2AuthorizationCodeBearerOptions>(options: O): (request: Request) => Credential<string, O> {
  const flow = {
    ...(options.refreshUrl === undefined ? {} : { refreshUrl: options.refreshUrl }),
    scopes: { ...options.scopes },
    authorizationUrl: options.authorizationUrl,
    tokenUrl: options.tokenUrl,
  };
  return bearer('OAuth2AuthorizationCodeBearer', options, { authorizationCode: flow });
}

function bearer<T>(kind: string, options: SchemeOptions, flows: Record<string, unknown>): (request: Request) => T {
  const autoError = options.autoError ?? true;
  const read = dependency([Request], (request: Request) => {
    const [scheme, token] = authorizationParts(request);
    // FastAPI hands on an empty token (`Authorization: Bearer`); no token is
    // valid empty, so it is refused here, where the 401 carries the challenge.
    if (scheme.toLowerCase() !== 'bearer' || token === '') {
      if (autoError) throw notAuthenticated('Bearer');
      return null;
    }
    return token;
  });
  const info = { name: options.schemeName ?? kind, openapi: schemeObject('oauth2', options.description, { flows }) };
  return securityScheme(info, named(kind, read)) as unknown as (request: Request) => T;
}

/** FastAPI's `Form(pattern="^password$")`. */
const GRANT_TYPE = '^password$';

/**
 * The form of OAuth2's password flow (FastAPI's `OAuth2PasswordRequestForm`),
 * read from a urlencoded body: `username`, `password`, an optional
 * `grant_type` that must be `password` when sent, `scope` split at spaces into
 * `scopes`, and the optional `client_id` and `client_secret`. Use the class as
 * the dependency.
 *
 * @example
 * ```ts
 * @Post('/token')
 * login(@Depends(OAuth2PasswordRequestForm) form: OAuth2PasswordRequestForm) {
 *   const user = authenticate(form.username, form.password);
 *   return { access_token: issueToken(user, form.scopes), token_type: 'bearer' };
 * }
 * ```
 */
export class OAuth2PasswordRequestForm {
  readonly grantType: string | null;
  readonly username: string;
  readonly password: string;
  /** The `scope` field split at whitespace: `'items:read me'` → `['items:read', 'me']`. */
  readonly scopes: string[];
  readonly clientId: string | null;
  readonly clientSecret: string | null;

  constructor(
    // Optional rather than `default: null`: the schema then says a string, not a string defaulting to null.
    @Form('grant_type', { type: String, optional: true, pattern: GRANT_TYPE }) grantType: string | null | undefined,
    @Form('username', { type: String }) username: string,
    @Form('password', { type: String }) password: string,
    @Form('scope', { type: String, default: '' }) scope: string,
    @Form('client_id', { type: String, optional: true }) clientId: string | null | undefined,
    @Form('client_secret', { type: String, optional: true }) clientSecret: string | null | undefined,
  ) {
    this.grantType = grantType ?? null;
    this.username = username;
    this.password = password;
    this.scopes = scope.split(/\s+/).filter((s) => s !== '');
    this.clientId = clientId ?? null;
    this.clientSecret = clientSecret ?? null;
  }
}

/** As `OAuth2PasswordRequestForm`, with `grant_type=password` required, as OAuth2 (RFC 6749 section 4.3.2) says. */
export class OAuth2PasswordRequestFormStrict extends OAuth2PasswordRequestForm {
  declare readonly grantType: string;

  constructor(
    @Form('grant_type', { type: String, pattern: GRANT_TYPE }) grantType: string,
    @Form('username', { type: String }) username: string,
    @Form('password', { type: String }) password: string,
    @Form('scope', { type: String, default: '' }) scope: string,
    @Form('client_id', { type: String, optional: true }) clientId: string | undefined,
    @Form('client_secret', { type: String, optional: true }) clientSecret: string | undefined,
  ) {
    super(grantType, username, password, scope, clientId, clientSecret);
  }
}
