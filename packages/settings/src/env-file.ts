import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { SettingsError } from './errors.js';

/**
 * The variables of a .env file, parsed with Node's own `util.parseEnv` (the
 * parser of `node --env-file`), so no dotenv dependency. It is read, not
 * loaded: `process.env` is left as it was. A missing file is an empty one
 * unless `required`.
 */
export function readEnvFile(path: string | URL, required: boolean): Record<string, string | undefined> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return {};
    throw new SettingsError('FASTTS_ERR_SETTINGS_ENV_FILE', [String(path), code ?? (error as Error).message], [], { cause: error });
  }
  return parseEnv(text);
}
