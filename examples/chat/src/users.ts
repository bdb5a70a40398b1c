import { Cookie, Query, WebSocketException, dependency } from '@fastts/core';

/**
 * The example's users, by token. A real app would verify a signed token
 * (see the auth-jwt example) or look up a session; the shape of the
 * dependency stays the same.
 */
export const tokens: ReadonlyMap<string, string> = new Map([
  ['ada-token', 'ada'],
  ['bob-token', 'bob'],
  ['cy-token', 'cy'],
]);

/**
 * The user a connection speaks for, from the `token` query parameter or else
 * the `token` cookie: a browser's `WebSocket` cannot set headers on the
 * handshake, so FastAPI's WebSocket docs use these two. A missing or unknown
 * token refuses the handshake before it is accepted (HTTP 403).
 */
export const requireUser = dependency([Query('token', { optional: true }), Cookie('token', { optional: true })], (query, cookie): string => {
  const user = tokens.get(query ?? cookie ?? '');
  if (user === undefined) throw new WebSocketException(1008, 'unknown token');
  return user;
});
