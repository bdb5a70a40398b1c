import { IsInt, IsString, Max, Min } from '@fastts/core/validators';

/**
 * What the main example reads from the environment, checked before anything
 * listens (see docs/settings.md).
 */
export class Settings {
  @IsInt()
  @Min(1)
  @Max(65535)
  port = 8000;

  /** How long processing an item takes, in milliseconds. */
  @IsInt()
  @Min(0)
  processDelayMs = 100;

  /** Front-end origins a browser may call the API from (CORS_ORIGINS, comma-separated). */
  @IsString({ each: true })
  corsOrigins: string[] = ['http://localhost:5173'];

  /** Proxies to believe about the client (TRUST_PROXY: addresses or subnets, comma-separated); none by default. */
  @IsString({ each: true })
  trustProxy: string[] = [];
}
