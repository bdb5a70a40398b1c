import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildForFixtures, Cli, fixtureApp } from './cli-process.js';

// `fastts worker` on TypeScript modules: @fastts/tasks's worker bin, through
// the SWC loader, on a SQLite file that `fastts run` enqueued into.

const TASKS = `import { appendFileSync } from 'node:fs';
import { defineTask, TaskRuntime } from '@fastts/tasks';
import { sqliteBackend } from '@fastts/tasks-sqlite';

export const writeLine = defineTask('write-line', async (line: string) => {
  appendFileSync('out.txt', \`\${line}\\n\`);
});

export const runtime = (work: boolean) => new TaskRuntime({ backend: sqliteBackend({ path: 'tasks.db' }), work }).register(writeLine);
`;
const ENQUEUE = `import { App } from '@fastts/core';
import { runtime, writeLine } from './tasks.js';

const enqueuer = runtime(false).attach(new App({ logger: false }));
enqueuer.enqueue(writeLine, process.argv[2]!);
await enqueuer.close();
`;
const WORKER = `import { runtime } from './tasks.js';

export default () => runtime(true);
`;
const MEMORY = `import { TaskRuntime } from '@fastts/tasks';

export default new TaskRuntime();
`;

const folders: string[] = [];
const clis: Cli[] = [];

beforeAll(buildForFixtures, 180_000);

afterEach(async () => {
  await Promise.all(clis.splice(0).map((cli) => cli.stop()));
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

function cli(args: string[], folder: string): Cli {
  const started = new Cli(args, folder);
  clis.push(started);
  return started;
}

describe('fastts worker', () => {
  it('runs the tasks of a TypeScript module, enqueued by another process, and stops on SIGTERM', async () => {
    const folder = await fixtureApp({ 'src/tasks.ts': TASKS, 'src/enqueue.ts': ENQUEUE, 'src/worker.ts': WORKER });
    folders.push(folder);
    const enqueue = cli(['run', 'src/enqueue.ts', '--', 'hello from the API'], folder);
    expect(await enqueue.exited, enqueue.output).toEqual({ code: 0, signal: null });

    const worker = cli(['worker', 'src/worker.ts', '--drain-timeout-ms', '2000'], folder);
    const out = join(folder, 'out.txt');
    for (let i = 0; i < 300 && !existsSync(out); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(readFileSync(out, 'utf8')).toBe('hello from the API\n');
    await worker.waitFor(/worker started/);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
  }, 60_000);

  it("reports the worker bin's own error for a runtime it cannot run (exit 1)", async () => {
    const folder = await fixtureApp({ 'src/worker.ts': MEMORY });
    folders.push(folder);
    const worker = cli(['worker', 'src/worker.ts'], folder);
    expect(await worker.exited).toEqual({ code: 1, signal: null });
    expect(worker.output).toContain('fastts-worker: FASTTS_ERR_TASK_WORKER_NOT_DURABLE');
  }, 60_000);
});
