import { IsInt, Max, Min } from '@fastts/core/validators';

/** What the chat example reads from the environment, checked before anything listens (see docs/settings.md). */
export class Settings {
  @IsInt()
  @Min(1)
  @Max(65535)
  port = 8000;

  /** A member whose messages have not been written within this many milliseconds is dropped (SEND_TIMEOUT_MS). */
  @IsInt()
  @Min(1)
  sendTimeoutMs = 5_000;
}
