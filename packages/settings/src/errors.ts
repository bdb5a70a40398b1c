import { format } from 'node:util';

/**
 * Every error @fastts/settings raises: code → message template. They stop a
 * process at start and never reach a client, so unlike the core's and the
 * tasks' codes they have no status. docs/errors.md lists the same table.
 */
export const settingsErrorCodes = {
  FASTTS_ERR_SETTINGS_INVALID: '%s: %d environment variable(s) missing or invalid:%s',
  FASTTS_ERR_SETTINGS_ENV_FILE: 'env file %s cannot be read: %s',
  FASTTS_ERR_SETTINGS_FIELD_TYPE:
    "%s: field '%s' has no type that can be read from text (its design type is %s): compile with emitDecoratorMetadata, declare an optional field with `?` rather than a union with undefined, or name the type with @Env({ type })",
  FASTTS_ERR_SETTINGS_NO_FIELDS: '%s declares no settings: decorate its fields with class-validator decorators or @Env()',
} as const satisfies Record<string, string>;

export type SettingsErrorCode = keyof typeof settingsErrorCodes;

/** One variable that is missing or invalid. Never holds the variable's value. */
export interface SettingsIssue {
  /** The environment variable, prefix included: `APP_DATABASE_URL`. */
  variable: string;
  /** The field of the settings class, with the path inside a JSON value: `database.host`. */
  field: string;
  /** `required`, `type` (the text is not a number, a boolean, JSON…) or the class-validator constraint (`isUrl`, `min`). */
  rule: string;
  message: string;
}

/**
 * Raised by `loadSettings` before the app starts. `code` is one of
 * `settingsErrorCodes`; an invalid environment (`FASTTS_ERR_SETTINGS_INVALID`)
 * lists every issue at once in `issues` and in the message.
 */
export class SettingsError extends Error {
  readonly code: SettingsErrorCode;
  readonly issues: readonly SettingsIssue[];

  constructor(code: SettingsErrorCode, args: readonly unknown[], issues: readonly SettingsIssue[] = [], options?: ErrorOptions) {
    super(format(settingsErrorCodes[code], ...args), options);
    this.name = 'SettingsError';
    this.code = code;
    this.issues = issues;
  }
}
