import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Max, Min, MinLength } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { Env, envName, loadSettings, SettingsError } from '@fastts/settings';

class Settings {
  @IsInt() @Min(1) @Max(65535) port = 8000;
  @IsUrl({ protocols: ['postgres'], require_tld: false }) databaseUrl!: string;
  @IsString() @MinLength(32) sessionSecret!: string;
  @IsIn(['debug', 'info', 'warn', 'error']) logLevel = 'info';
  @IsOptional() @IsBoolean() debug = false;
  @IsUrl({ require_tld: false }, { each: true }) corsOrigins: string[] = [];
  @Env('SENTRY_DSN') @IsOptional() @IsUrl() sentryDsn?: string;
}

const secret = 'a-very-long-session-secret-of-40-chars!!';

/** The error `fn` throws. */
function thrown(fn: () => unknown): SettingsError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SettingsError) return error;
    throw error;
  }
  throw new Error('expected a SettingsError');
}

describe('loadSettings', () => {
  it('reads every field from its variable, prefixed, and keeps the defaults of the absent ones', () => {
    const settings = loadSettings(Settings, {
      prefix: 'APP_',
      env: { APP_PORT: '9000', APP_DATABASE_URL: 'postgres://db:5432/app', APP_SESSION_SECRET: secret, APP_CORS_ORIGINS: 'http://localhost:5173' },
    });
    expect(settings).toBeInstanceOf(Settings);
    expect({ ...settings }).toEqual({
      port: 9000,
      databaseUrl: 'postgres://db:5432/app',
      sessionSecret: secret,
      logLevel: 'info',
      debug: false,
      corsOrigins: ['http://localhost:5173'],
    });
  });

  it('reads a field named with @Env by that name, without the prefix', () => {
    const env = { APP_DATABASE_URL: 'postgres://db/app', APP_SESSION_SECRET: secret, SENTRY_DSN: 'https://key@sentry.example/1', APP_SENTRY_DSN: 'ignored' };
    expect(loadSettings(Settings, { prefix: 'APP_', env }).sentryDsn).toBe('https://key@sentry.example/1');
  });

  it('ignores a variable without the prefix', () => {
    const error = thrown(() => loadSettings(Settings, { prefix: 'APP_', env: { DATABASE_URL: 'postgres://db/app', SESSION_SECRET: secret } }));
    expect(error.issues.map((i) => i.variable)).toEqual(['APP_DATABASE_URL', 'APP_SESSION_SECRET']);
  });

  it('reports every missing or invalid variable at once, by name, and never a value', () => {
    const leaked = 'short-secret';
    const error = thrown(() =>
      loadSettings(Settings, {
        prefix: 'APP_',
        env: { APP_PORT: '0', APP_DATABASE_URL: 'mysql://db/app', APP_SESSION_SECRET: leaked, APP_DEBUG: 'maybe', APP_CORS_ORIGINS: 'http://ok.example,not a url' },
      }),
    );
    expect(error.code).toBe('FASTTS_ERR_SETTINGS_INVALID');
    expect(error.message).toBe(
      [
        'Settings: 5 environment variable(s) missing or invalid:',
        '  APP_PORT: must not be less than 1 (min)',
        '  APP_DATABASE_URL: must be a URL address (isUrl)',
        '  APP_SESSION_SECRET: must be longer than or equal to 32 characters (minLength)',
        '  APP_DEBUG: must be true, false, 1 or 0 (type)',
        '  APP_CORS_ORIGINS: each value in corsOrigins must be a URL address (isUrl)',
      ].join('\n'),
    );
    expect(error.issues).toContainEqual({ variable: 'APP_SESSION_SECRET', field: 'sessionSecret', rule: 'minLength', message: 'must be longer than or equal to 32 characters' });
    const everything = `${error.message} ${error.stack} ${JSON.stringify(error.issues)}`;
    for (const value of [leaked, 'mysql://db/app', 'maybe', 'not a url']) expect(everything).not.toContain(value);
  });

  it('reports missing variables as required, and nothing else about them', () => {
    const error = thrown(() => loadSettings(Settings, { env: {} }));
    expect(error.issues).toEqual([
      { variable: 'DATABASE_URL', field: 'databaseUrl', rule: 'required', message: 'is required' },
      { variable: 'SESSION_SECRET', field: 'sessionSecret', rule: 'required', message: 'is required' },
    ]);
  });

  it('does not echo a secret that a custom message quotes', () => {
    class Keys {
      @MinLength(40, { message: 'key $value is too short' }) apiKey!: string;
    }
    const error = thrown(() => loadSettings(Keys, { env: { API_KEY: 'sk_live_1234567890' } }));
    expect(error.message).toBe('Keys: 1 environment variable(s) missing or invalid:\n  API_KEY: key [redacted] is too short (minLength)');
  });

  it('reads process.env when no env is given', () => {
    class FromProcess {
      @IsString() fasttsSettingsTestValue!: string;
    }
    process.env['FASTTS_SETTINGS_TEST_VALUE'] = 'from the process';
    try {
      expect(loadSettings(FromProcess).fasttsSettingsTestValue).toBe('from the process');
    } finally {
      delete process.env['FASTTS_SETTINGS_TEST_VALUE'];
    }
  });

  it('names variables after the fields in upper snake case', () => {
    expect(['port', 'databaseUrl', 'apiURL', 'APIKey', 's3Bucket', 'oauth2ClientId'].map(envName)).toEqual(['PORT', 'DATABASE_URL', 'API_URL', 'API_KEY', 'S3_BUCKET', 'OAUTH2_CLIENT_ID']);
  });

  it('refuses a class with no settings', () => {
    class Empty {
      port = 8000;
    }
    expect(thrown(() => loadSettings(Empty, { env: {} })).code).toBe('FASTTS_ERR_SETTINGS_NO_FIELDS');
  });
});
