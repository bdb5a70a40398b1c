import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IsBoolean, IsInt, IsString } from 'class-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings, SettingsError } from '@fastts/settings';

class Settings {
  @IsInt() port = 8000;
  @IsString() databaseUrl!: string;
  @IsBoolean() debug = false;
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fastts-settings-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a .env file', () => {
  it('fills the variables the environment lacks; the environment wins', async () => {
    const envFile = join(dir, '.env');
    await writeFile(envFile, '# local development\nPORT=9000\nDATABASE_URL="postgres://localhost/dev"\nDEBUG=true\n');
    const settings = loadSettings(Settings, { envFile, env: { PORT: '7000' } });
    expect({ ...settings }).toEqual({ port: 7000, databaseUrl: 'postgres://localhost/dev', debug: true });
    // Read, not loaded: the process's environment is left alone.
    expect(process.env['DATABASE_URL']).toBeUndefined();
  });

  it('is optional: a missing file reads as empty', () => {
    expect(loadSettings(Settings, { envFile: join(dir, 'missing.env'), env: { DATABASE_URL: 'postgres://db/app' } }).databaseUrl).toBe('postgres://db/app');
  });

  it('fails when required and missing, or when it cannot be read', async () => {
    const missing = join(dir, 'missing.env');
    expect(() => loadSettings(Settings, { envFile: missing, envFileRequired: true, env: {} })).toThrow(new SettingsError('FASTTS_ERR_SETTINGS_ENV_FILE', [missing, 'ENOENT']));
    const folder = join(dir, 'a-folder.env');
    await mkdir(folder);
    expect(() => loadSettings(Settings, { envFile: folder, env: {} })).toThrow(expect.objectContaining({ code: 'FASTTS_ERR_SETTINGS_ENV_FILE' }));
  });

  it('names its invalid variables, without their values, among the others', async () => {
    const envFile = join(dir, 'invalid.env');
    await writeFile(envFile, 'PORT=eighty\nDEBUG=sure\n');
    const error = (() => {
      try {
        loadSettings(Settings, { envFile, env: {} });
      } catch (e) {
        return e as SettingsError;
      }
    })();
    expect(error?.issues.map((i) => `${i.variable} ${i.rule}`)).toEqual(['PORT type', 'DATABASE_URL required', 'DEBUG type']);
    expect(error?.message).not.toMatch(/eighty|sure/);
  });
});
