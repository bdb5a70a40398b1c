#!/usr/bin/env node
// fastts-worker <module>: runs the tasks of the TaskRuntime a module exports,
// in this process, apart from the HTTP server (runWorker). Plain JavaScript,
// so node runs it as it is, from the workspace and the published package.
//
// Exit codes: 0 stopped by a signal after its drain; 1 could not start (the
// module, its export or the runtime is wrong) or stopped with tasks
// abandoned; 2 wrong arguments.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runWorker, TaskError, TaskRuntime, TaskSetupError } from '../dist/index.js';

const usage = `usage: fastts-worker <module.js> [--drain-timeout-ms <ms>]

Runs the tasks of a TaskRuntime in this process. <module.js> default-exports
the runtime (on a durable backend, its task definitions registered) or a
function returning one. SIGTERM or SIGINT stops it: running tasks get the
drain timeout (default: 10 s), queued ones stay in the store.`;

/** Prints the error the way a user can act on it: its code and message; a stack only for an error we did not expect. */
function fail(error) {
  if (error instanceof TaskError) process.stderr.write(`fastts-worker: ${error.code}: ${error.message}\n`);
  else process.stderr.write(`fastts-worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}

function usageError(message) {
  process.stderr.write(`fastts-worker: ${message}\n\n${usage}\n`);
  process.exit(2);
}

function parse(args) {
  let file;
  let drainTimeoutMs;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    }
    if (arg === '--drain-timeout-ms' || arg.startsWith('--drain-timeout-ms=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[++i];
      drainTimeoutMs = Number(value);
      if (value === undefined || value === '' || !Number.isFinite(drainTimeoutMs) || drainTimeoutMs < 0) usageError(`--drain-timeout-ms needs a number of milliseconds >= 0, got ${value ?? 'nothing'}`);
    } else if (arg.startsWith('-')) usageError(`unknown option ${arg}`);
    else if (file !== undefined) usageError(`one module only, got ${file} and ${arg}`);
    else file = arg;
  }
  if (file === undefined) usageError('which module? give the file that exports the runtime');
  return { file, drainTimeoutMs };
}

function describe(value) {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'no prototype'})`;
  return `a ${typeof value}`;
}

async function loadRuntime(file) {
  const path = resolve(file);
  if (!existsSync(path) || !statSync(path).isFile()) throw new TaskSetupError('FASTTS_ERR_TASK_WORKER_MODULE', file, `no such file (${path})`);
  // Errors of the module's own code (a store that cannot be opened) keep their code: not wrapped.
  const loaded = await import(pathToFileURL(path).href);
  if (!('default' in loaded)) throw new TaskSetupError('FASTTS_ERR_TASK_WORKER_MODULE', file, 'no default export: `export default runtime`, or a function returning it');
  const exported = loaded.default;
  const called = typeof exported === 'function';
  const value = called ? await exported() : exported;
  if (value instanceof TaskRuntime) return value;
  const what = `its default export ${called ? 'returned' : 'is'} ${describe(value)}, not a TaskRuntime`;
  // Two installs of @fastts/tasks: the module's runtime class is not this bin's.
  const twin = value?.constructor?.name === 'TaskRuntime' ? ' (a TaskRuntime of another copy of @fastts/tasks: run the bin installed next to the app)' : '';
  throw new TaskSetupError('FASTTS_ERR_TASK_WORKER_MODULE', file, what + twin);
}

const { file, drainTimeoutMs } = parse(process.argv.slice(2));
try {
  const runtime = await loadRuntime(file);
  await runWorker({ runtime, ...(drainTimeoutMs === undefined ? {} : { drainTimeoutMs }) });
} catch (error) {
  fail(error);
}
