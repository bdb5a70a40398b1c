import { IsInt, IsString, Max, Min, MinLength } from '@fastts/core/validators';

/**
 * Signs the example's tokens when JWT_SECRET is not set, so that `npm start`
 * works out of the box. It is public (it is in this file), so anyone can
 * forge a token for any user with it: never deploy with it. Generate a secret
 * with `openssl rand -hex 32` and set JWT_SECRET; main.ts warns at start while
 * the default is in use.
 */
export const DEV_JWT_SECRET = 'dev-only-secret-change-me-with-openssl-rand-hex-32';

/** What the auth example reads from the environment, checked before anything listens (see docs/settings.md). */
export class Settings {
  @IsInt()
  @Min(1)
  @Max(65535)
  port = 8000;

  /** The HS256 key (JWT_SECRET). RFC 7518 section 3.2: at least as long as the hash output, 256 bits. */
  @IsString()
  @MinLength(32)
  jwtSecret = DEV_JWT_SECRET;

  /** How long an access token is valid (ACCESS_TOKEN_EXPIRE_MINUTES). */
  @IsInt()
  @Min(1)
  accessTokenExpireMinutes = 30;
}
