import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Wrong arguments: the CLI prints the message and the command's usage, and exits with code 2. */
export class UsageError extends Error {
  constructor(message: string, readonly usage: string) {
    super(message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  /** The entry file, resolved against the current folder. */
  entry: string;
  /** What follows `--`: the app's own arguments. */
  appArgs: string[];
  values: Record<string, string | boolean | undefined>;
  help: boolean;
}

/** node:util's parseArgs, strict, with `-h/--help` and one entry file; its errors become UsageErrors. */
export function parseCommand(args: readonly string[], options: Options, usage: string): Parsed {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    // parseArgs's own text suggests passing it as a positional, which is rarely what was meant.
    const option = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /'([^']+)'/.exec(message)?.[1] : undefined;
    throw new UsageError(option === undefined ? message : `unknown option ${option} (the app's own arguments go after --)`, usage);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values['help'] === true) return { entry: '', appArgs: [], values, help: true };
  // Positionals after `--` are the app's; before it, only the entry.
  const dashDash = parsed.tokens.find((token) => token.kind === 'option-terminator')?.index ?? Infinity;
  const before = parsed.tokens.filter((token) => token.kind === 'positional' && token.index < dashDash).map((token) => (token as { value: string }).value);
  const after = parsed.tokens.filter((token) => token.kind === 'positional' && token.index > dashDash).map((token) => (token as { value: string }).value);
  if (before.length === 0 && after.length === 0) throw new UsageError('which file? give the entry file', usage);
  if (before.length > 1) throw new UsageError(`one entry file only, got ${before.join(', ')} (the app's own arguments go after --)`, usage);
  const file = before[0] ?? after.shift()!;
  const entry = resolve(file);
  if (!existsSync(entry) || !statSync(entry).isFile()) throw new UsageError(`no such file: ${file}`, usage);
  return { entry, appArgs: after, values, help: false };
}

/** An integer option within bounds, or undefined when it was not given. */
export function integerOption(values: Parsed['values'], name: string, min: number, max: number, usage: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || value < min || value > max) {
    throw new UsageError(`--${name} needs a whole number from ${min} to ${max}, got ${String(raw)}`, usage);
  }
  return value;
}

export function stringOption(values: Parsed['values'], name: string): string | undefined {
  const raw = values[name];
  return typeof raw === 'string' ? raw : undefined;
}
