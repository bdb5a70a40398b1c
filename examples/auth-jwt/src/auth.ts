import { Depends, HTTPException, Request, dependency } from '@fastts/core';
import { OAuth2PasswordBearer, Security, SecurityScopes } from '@fastts/core/security';
import type { Settings } from './settings.js';
import { readAccessToken } from './tokens.js';
import { getUser, type UserInDB } from './users.js';

declare module '@fastts/core' {
  interface AppState {
    /** Set by createApp. */
    settings?: Settings;
  }
}

/** The settings createApp was given, for handlers and dependencies. */
export const appSettings = dependency([Request], (request: Request) => request.app.state.settings!);

/**
 * Reads the bearer token and documents the password flow: /docs's Authorize
 * dialog posts the form to `tokenUrl` and offers these scopes.
 */
export const oauth2Scheme = OAuth2PasswordBearer({
  tokenUrl: 'token',
  scopes: { me: 'Read information about the current user.', items: 'Read items.' },
});

/**
 * The user the access token was issued to, holding every scope that the
 * `Security()` markers above this dependency require. 401 otherwise, with the
 * scopes needed in the challenge (RFC 6750 section 3).
 */
export const getCurrentUser = dependency(
  [SecurityScopes, Depends(oauth2Scheme), Depends(appSettings)],
  async (securityScopes, token, settings): Promise<UserInDB> => {
    const authenticateValue = securityScopes.scopes.length > 0 ? `Bearer scope="${securityScopes.scopeStr}"` : 'Bearer';
    const credentialsException = new HTTPException(401, 'Could not validate credentials', { 'WWW-Authenticate': authenticateValue });
    const claims = await readAccessToken(token, settings.jwtSecret);
    if (!claims) throw credentialsException;
    const user = getUser(claims.username);
    if (!user) throw credentialsException;
    for (const scope of securityScopes.scopes) {
      if (!claims.scopes.includes(scope)) {
        throw new HTTPException(401, 'Not enough permissions', { 'WWW-Authenticate': authenticateValue });
      }
    }
    return user;
  },
);

/** The current user, if not disabled; requires the `me` scope on top of whatever the route asks. */
export const getCurrentActiveUser = dependency([Security(getCurrentUser, { scopes: ['me'] })], (currentUser): UserInDB => {
  if (currentUser.disabled) throw new HTTPException(400, 'Inactive user');
  return currentUser;
});
