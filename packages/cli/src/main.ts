import { readFileSync } from 'node:fs';
import { dev } from './dev.js';
import { integerOption, parseCommand, stringOption, UsageError } from './options.js';
import { run } from './run.js';
import { TasksMissingError, worker } from './worker.js';

const USAGE = `usage: fastts <command> [options]

Commands:
  dev <entry.ts>     run the app, restart it when a source file changes
  run <entry>        run the app once (production), optionally on several cores
  worker <module>    run the tasks of the TaskRuntime a module exports

TypeScript is compiled by SWC with decorator metadata, as fastts needs.
\`fastts <command> --help\` describes a command's options.

Options:
  -h, --help         this text
  -v, --version      the version of @fastts/cli`;

const DEV_USAGE = `usage: fastts dev <entry.ts> [--port N] [--host H] [-- app arguments]

Runs the entry with SWC (decorator metadata kept, no type-check), watches its
folder (node_modules, dist and .git left out) and the project's package.json
and tsconfig.json, and restarts the app when a source file changes. Prints the
URL and the docs URL once the app listens. A compile error is shown and the
next change is waited for. Ctrl-C stops the app and exits.

Options:
  --port N    PORT for the app (default: PORT, else 8000)
  --host H    HOST for the app (default: HOST, else 127.0.0.1)
  -h, --help  this text`;

const RUN_USAGE = `usage: fastts run <entry> [--workers N] [--port N] [--host H] [-- app arguments]

Runs the entry once: TypeScript through SWC, JavaScript as it is. Sets PORT,
HOST and WEB_CONCURRENCY (the number of processes serve(app) starts) when
given, passes signals on to the app and exits with its exit code.

Options:
  --workers N  WEB_CONCURRENCY for the app: processes sharing the port
  --port N     PORT for the app
  --host H     HOST for the app
  -h, --help   this text`;

const WORKER_USAGE = `usage: fastts worker <module> [--drain-timeout-ms <ms>]

@fastts/tasks's fastts-worker, with TypeScript modules compiled by SWC: runs
the tasks of the TaskRuntime that <module> default-exports (or a function
returning one), on its durable backend. SIGTERM or SIGINT stops it after a
drain (default: the app's shutdownTimeoutMs, 10 s).

Options:
  --drain-timeout-ms <ms>  how long a stop waits for running tasks
  -h, --help               this text`;

const PORT_RANGE = [1, 65_535] as const;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Runs the command line; resolves with the exit code, or never for `worker` (its bin exits). */
export async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'dev': {
        const parsed = parseCommand(rest, { port: { type: 'string' }, host: { type: 'string' } }, DEV_USAGE);
        if (parsed.help) return help(DEV_USAGE);
        const port = integerOption(parsed.values, 'port', ...PORT_RANGE, DEV_USAGE) ?? envPort(DEV_USAGE);
        const host = stringOption(parsed.values, 'host') ?? process.env['HOST'] ?? '127.0.0.1';
        return await dev({ entry: parsed.entry, appArgs: parsed.appArgs, port, host });
      }
      case 'run': {
        const parsed = parseCommand(rest, { workers: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } }, RUN_USAGE);
        if (parsed.help) return help(RUN_USAGE);
        const workers = integerOption(parsed.values, 'workers', 1, 1_024, RUN_USAGE);
        const port = integerOption(parsed.values, 'port', 0, 65_535, RUN_USAGE);
        const host = stringOption(parsed.values, 'host');
        return await run({
          entry: parsed.entry,
          appArgs: parsed.appArgs,
          ...(workers === undefined ? {} : { workers }),
          ...(port === undefined ? {} : { port }),
          ...(host === undefined ? {} : { host }),
        });
      }
      case 'worker': {
        const parsed = parseCommand(rest, { 'drain-timeout-ms': { type: 'string' } }, WORKER_USAGE);
        if (parsed.help) return help(WORKER_USAGE);
        if (parsed.appArgs.length > 0) throw new UsageError(`a worker takes no arguments after --, got ${parsed.appArgs.join(' ')}`, WORKER_USAGE);
        const drain = stringOption(parsed.values, 'drain-timeout-ms');
        await worker({ entry: parsed.entry, workerArgs: drain === undefined ? [] : ['--drain-timeout-ms', drain] });
        // The worker runs until a signal; its bin exits the process then.
        return new Promise<number>(() => {});
      }
      case '-h':
      case '--help':
      case 'help':
        return help(USAGE);
      case '-v':
      case '--version':
        process.stdout.write(`${version()}\n`);
        return 0;
      case undefined:
        throw new UsageError('which command?', USAGE);
      default:
        throw new UsageError(`unknown command ${command}`, USAGE);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`fastts: ${error.message}\n\n${error.usage}\n`);
      return 2;
    }
    if (error instanceof TasksMissingError) {
      process.stderr.write(`fastts: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function help(usage: string): number {
  process.stdout.write(`${usage}\n`);
  return 0;
}

function envPort(usage: string): number {
  const raw = process.env['PORT'];
  if (raw === undefined || raw === '') return 8000;
  if (!/^\d+$/.test(raw) || Number(raw) < PORT_RANGE[0] || Number(raw) > PORT_RANGE[1]) throw new UsageError(`PORT must be a port number, got ${raw}`, usage);
  return Number(raw);
}
