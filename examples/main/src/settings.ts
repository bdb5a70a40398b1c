import { IsInt, Max, Min } from '@fastts/core/validators';

/**
 * What the main example reads from the environment, checked before anything
 * listens: PORT and PROCESS_DELAY_MS (see docs/settings.md).
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
}
