import type * as ClassValidator from 'class-validator';
import type { ValidationError } from 'class-validator';
import { createRequire } from 'node:module';
import { ConversionFailure, convert } from './convert.js';
import { readEnvFile } from './env-file.js';
import { SettingsError, type SettingsIssue } from './errors.js';
import { settingFields, type SettingField } from './fields.js';

export interface LoadSettingsOptions {
  /** Where variables are read; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** A .env file read under `env` (a variable set in both is taken from `env`). Default: none. */
  envFile?: string | URL;
  /** Fail when `envFile` does not exist, instead of reading it as empty. */
  envFileRequired?: boolean;
  /** Put before every derived variable name: `APP_` reads `port` from `APP_PORT`. */
  prefix?: string;
}

// Validator alone, not class-validator's index: the rules it runs are the
// constraint classes the settings' decorators registered (0.9 MB against 14 MB).
const requireCjs = createRequire(import.meta.url);
function validator(): ClassValidator.Validator {
  const { Validator } = requireCjs('class-validator/cjs/validation/Validator.js') as Pick<typeof ClassValidator, 'Validator'>;
  return new Validator();
}

/**
 * An instance of `cls` with each field read from its environment variable,
 * converted to the field's type, defaulted to its initial value when the
 * variable is absent, and validated with the field's class-validator rules.
 * Throws one `SettingsError` (`FASTTS_ERR_SETTINGS_INVALID`) naming every
 * missing or invalid variable; values are never part of it.
 *
 * @example
 * ```ts
 * class Settings {
 *   @IsInt() @Min(1) port = 8000;
 *   @IsUrl({ require_tld: false }) databaseUrl!: string;
 * }
 * const settings = loadSettings(Settings, { envFile: '.env', prefix: 'APP_' });
 * ```
 */
export function loadSettings<T extends object>(cls: new () => T, options: LoadSettingsOptions = {}): T {
  const settings = new cls();
  const fields = settingFields(cls, settings, options.prefix ?? '');
  const fromFile = options.envFile === undefined ? {} : readEnvFile(options.envFile, options.envFileRequired ?? false);
  const env = { ...fromFile, ...definedOnly(options.env ?? process.env) };
  const issues: SettingsIssue[] = [];
  const skip = new Set<string>();
  for (const f of fields) {
    const text = env[f.variable];
    const target = settings as Record<string, unknown>;
    if (text === undefined) {
      if (target[f.field] === undefined && !f.optional) {
        issues.push({ variable: f.variable, field: f.field, rule: 'required', message: 'is required' });
        skip.add(f.field);
      }
      continue;
    }
    const value = convert(text, f.type);
    if (value instanceof ConversionFailure) {
      issues.push({ variable: f.variable, field: f.field, rule: 'type', message: value.message });
      skip.add(f.field);
    } else {
      target[f.field] = value;
    }
  }
  const byField = new Map(fields.map((f) => [f.field, f]));
  const errors = validator().validateSync(settings, { forbidUnknownValues: false, validationError: { target: false, value: false } });
  for (const error of errors) {
    const f = byField.get(error.property);
    if (f && !skip.has(f.field)) issues.push(...constraintIssues(error, f, f.field, env[f.variable]));
  }
  if (issues.length > 0) {
    // Declaration order, so the list reads like the class.
    const order = fields.map((f) => f.field);
    issues.sort((a, b) => order.indexOf(a.field.split('.')[0]!) - order.indexOf(b.field.split('.')[0]!));
    const lines = issues.map((i) => `\n  ${i.variable}${i.field.includes('.') ? ` (${i.field})` : ''}: ${i.message} (${i.rule})`).join('');
    throw new SettingsError('FASTTS_ERR_SETTINGS_INVALID', [cls.name, new Set(issues.map((i) => i.variable)).size, lines], issues);
  }
  return settings;
}

/** The failed rules of a field, nested fields of a JSON value included, as issues. */
function constraintIssues(error: ValidationError, f: SettingField, path: string, text: string | undefined): SettingsIssue[] {
  const issues = Object.entries(error.constraints ?? {}).map(([rule, message]) => ({
    variable: f.variable,
    field: path,
    rule,
    message: redact(message.startsWith(`${error.property} `) ? message.slice(error.property.length + 1) : message, text),
  }));
  for (const child of error.children ?? []) issues.push(...constraintIssues(child, f, `${path}.${child.property}`, text));
  return issues;
}

/** A custom message may quote the value (`$value`); a short text is left alone, as it would match inside any message. */
function redact(message: string, text: string | undefined): string {
  return text !== undefined && text.length >= 4 ? message.replaceAll(text, '[redacted]') : message;
}

/** Node's `process.env` may be given with undefined entries in tests: they do not hide the .env file's. */
function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
