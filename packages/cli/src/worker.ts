import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface WorkerCommand {
  entry: string;
  /** Passed to fastts-worker as they are (`--drain-timeout-ms`): it checks them. */
  workerArgs: string[];
}

/** @fastts/tasks is an optional peer: installed beside the app when it has tasks. */
export class TasksMissingError extends Error {}

/**
 * `fastts worker`: @fastts/tasks's own `fastts-worker <module>`, run in this
 * process after the SWC loader is registered, so that its `import(module)`
 * compiles the .ts file. Nothing of the worker is copied here: its argument
 * checks, exit codes and signal handling (runWorker's drain) are the bin's.
 * @fastts/tasks is resolved from the entry's folder, so that the bin and the
 * module share the app's one copy of TaskRuntime.
 */
export async function worker(command: WorkerCommand): Promise<void> {
  let tasksMain: string;
  try {
    tasksMain = createRequire(command.entry).resolve('@fastts/tasks');
  } catch {
    throw new TasksMissingError(`fastts worker runs @fastts/tasks's worker, which is not installed for ${command.entry}: npm install @fastts/tasks`);
  }
  // The package's main is dist/index.js; its bin (package.json "bin") sits in bin/ beside dist/.
  const bin = join(dirname(dirname(tasksMain)), 'bin', 'fastts-worker.mjs');
  if (!existsSync(bin)) throw new TasksMissingError(`the @fastts/tasks installed for ${command.entry} has no bin/fastts-worker.mjs: update it`);
  await import('./register.js');
  process.setSourceMapsEnabled(true);
  // The bin reads its arguments from process.argv as when it is run itself.
  process.argv = [process.argv[0]!, bin, command.entry, ...command.workerArgs];
  await import(pathToFileURL(bin).href);
}
