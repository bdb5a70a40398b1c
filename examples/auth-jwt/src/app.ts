import { App, Controller, Depends, Get, HTTPException, Post, Response, type AppOptions } from '@fastts/core';
import { OAuth2PasswordRequestForm, Security } from '@fastts/core/security';
import { IsString } from '@fastts/core/validators';
import { serveDocs } from '@fastts/openapi';
import { appSettings, getCurrentActiveUser } from './auth.js';
import { Settings } from './settings.js';
import { createAccessToken } from './tokens.js';
import { User, authenticateUser, type UserInDB } from './users.js';

/** What POST /token answers, as OAuth2 (RFC 6749 section 5.1) names the fields. */
export class Token {
  @IsString()
  access_token!: string;

  @IsString()
  token_type!: string;
}

export class OwnItem {
  @IsString()
  item_id!: string;

  @IsString()
  owner!: string;
}

@Controller()
export class LoginController {
  @Post('/token', { responseModel: Token, summary: 'Log in for an access token' })
  async login(@Depends(OAuth2PasswordRequestForm) form: OAuth2PasswordRequestForm, @Depends(appSettings) settings: Settings, response: Response) {
    const user = await authenticateUser(form.username, form.password);
    if (!user) throw new HTTPException(401, 'Incorrect username or password', { 'WWW-Authenticate': 'Bearer' });
    // Grant what was asked and the user may have; the tutorial grants whatever was asked.
    const scopes = form.scopes.filter((scope) => user.scopes.includes(scope));
    const accessToken = await createAccessToken({ username: user.username, scopes }, settings.jwtSecret, settings.accessTokenExpireMinutes);
    // RFC 6749 section 5.1: a response carrying a token must not be cached.
    response.setHeader('Cache-Control', 'no-store');
    return { access_token: accessToken, token_type: 'bearer' };
  }
}

@Controller('/users')
export class UsersController {
  @Get('/me', { responseModel: User, summary: 'Read the current user' })
  readUsersMe(@Depends(getCurrentActiveUser) currentUser: UserInDB) {
    return currentUser;
  }

  @Get('/me/items', { responseModel: [OwnItem], summary: "Read the current user's items" })
  readOwnItems(@Security(getCurrentActiveUser, { scopes: ['items'] }) currentUser: UserInDB) {
    return [{ item_id: 'Foo', owner: currentUser.username }];
  }
}

@Controller()
export class StatusController {
  @Get('/status', { summary: 'Read the system status' })
  readSystemStatus() {
    return { status: 'ok' };
  }
}

export interface AuthAppOptions extends AppOptions {
  /** Default: `new Settings()`, the development defaults (see settings.ts). */
  settings?: Settings;
}

/** The app of FastAPI's "OAuth2 with Password, Bearer with JWT tokens" and "OAuth2 scopes" tutorials, with /docs. */
export function createApp(options: AuthAppOptions = {}): App {
  const { settings = new Settings(), ...appOptions } = options;
  const app = new App(appOptions).include(LoginController).include(UsersController).include(StatusController);
  app.state.settings = settings;
  return serveDocs(app, {
    title: 'fastts auth-jwt example',
    version: '0.1.0',
    description: 'Log in at POST /token (johndoe / secret), or with the Authorize button, then call /users/me.',
  });
}
