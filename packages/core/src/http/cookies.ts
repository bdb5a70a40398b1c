import type * as Cookie from 'cookie';
import { requireCjs } from '../internal/lazy.js';

const { serialize } = requireCjs('cookie') as typeof Cookie;

export interface CookieOptions {
  maxAge?: number;
  expires?: Date;
  /** Default `/`. */
  path?: string;
  domain?: string;
  secure?: boolean;
  httpOnly?: boolean;
  /** Default `lax`, written in lower case as Starlette does; `false` leaves the attribute out. */
  sameSite?: 'lax' | 'strict' | 'none' | false;
  partitioned?: boolean;
}

/** A `Set-Cookie` value with FastAPI's defaults (`Path=/; SameSite=lax`). */
export function serializeCookie(key: string, value: string, options: CookieOptions = {}): string {
  const { sameSite = 'lax', path = '/', ...rest } = options;
  const cookie = serialize(key, value, { ...rest, path });
  return sameSite ? `${cookie}; SameSite=${sameSite}` : cookie;
}
