// `npm run tasks -w benchmarks`: named-task throughput on the memory and SQLite
// backends (issue 16), in alternating rounds; then, unless --no-requests, the
// request cost of a durable task (the bench harness on POST /bg and
// /bg-durable); writes results/tasks.{md,json}.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { integerOption } from '../harness/options.js';
import { commitDescription, machine } from '../harness/machine.js';
import { killChildrenOnSignals } from '../harness/processes.js';
import type { Report } from '../harness/report.js';
import { renderTasksMarkdown, summariseThroughput, type TasksReport } from './report.js';
import { layouts, runLayout, type RunOptions, type ThroughputRun } from './runs.js';
import { ARGS_BYTES } from './task.js';

const benchRoot = fileURLToPath(new URL('../../', import.meta.url));
const log = (line: string) => process.stdout.write(`${line}\n`);

const usage = `Usage: npm run tasks -w benchmarks -- [options]

  --tasks <n>          tasks per measured run (default 20000)
  --warmup <n>         tasks run first in each run, not measured (default 2000)
  --rounds <n>         alternating rounds; figures are medians (default 5)
  --concurrency <n>    queue concurrency of each worker (default: the runtime's, 10)
  --layouts <a,b>      ${layouts.map((l) => l.id).join(',')} (default: all)
  --no-requests        skip the request cost (POST /bg-durable against /bg and raw /bg)
  --request-rounds <n> rounds of the request cost (default 6)
  --dir <folder>       where the SQLite files go (default: the OS's temporary folder, on disk
                       here; /dev/shm takes the disk out of the measure)
  --cpu-prof           write a .cpuprofile of every process to <out>/profiles/ (slower: not a measurement)
  --out <dir>          report directory (default benchmarks/results)
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      tasks: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      concurrency: { type: 'string' },
      layouts: { type: 'string' },
      'no-requests': { type: 'boolean' },
      'request-rounds': { type: 'string' },
      out: { type: 'string' },
      'cpu-prof': { type: 'boolean' },
      dir: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    log(usage);
    return 0;
  }
  let options: RunOptions;
  let rounds: number;
  let requestRounds: number;
  const chosen = values.layouts ? layouts.filter((l) => values.layouts!.split(',').includes(l.id)) : layouts;
  try {
    options = {
      tasks: integerOption('tasks', values.tasks, 20_000),
      warmup: integerOption('warmup', values.warmup, 2_000, 0),
      concurrency: values.concurrency === undefined ? undefined : integerOption('concurrency', values.concurrency, 0),
      timeoutMs: 120_000,
      dir: values.dir,
    };
    rounds = integerOption('rounds', values.rounds, 5);
    requestRounds = integerOption('request-rounds', values['request-rounds'], 6);
    if (chosen.length === 0) throw new Error(`--layouts: none of ${values.layouts} (known: ${layouts.map((l) => l.id).join(', ')})`);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage}`);
    return 2;
  }
  killChildrenOnSignals();
  const out = resolve(process.env['INIT_CWD'] ?? process.cwd(), values.out ?? join(benchRoot, 'results'));
  if (values['cpu-prof']) options.cpuProfDir = join(out, 'profiles');
  const started = Date.now();
  log(`task throughput: ${chosen.map((l) => l.id).join(', ')}; ${rounds} rounds of ${options.tasks.toLocaleString('en-US')} tasks (after ${options.warmup.toLocaleString('en-US')} not measured), ${ARGS_BYTES} bytes of JSON arguments each`);

  const runs: ThroughputRun[] = [];
  for (let round = 1; round <= rounds; round++) {
    // Alternate the order, so that no layout always runs first in a round.
    const order = round % 2 === 1 ? chosen : [...chosen].reverse();
    for (const layout of order) {
      const run = await runLayout(layout, round, options);
      runs.push(run);
      log(
        `round ${round} ${layout.id.padEnd(10)} ` +
          (run.error
            ? `ERROR ${run.error.split('\n')[0]}`
            : `${Math.round(run.tasksPerSecond!).toLocaleString('en-US').padStart(7)} tasks/s  (${run.seconds!.toFixed(2)} s; enqueued in ${run.enqueueSeconds!.toFixed(2)} s; worker cpu ${run.workerCpuSeconds!.toFixed(2)} s${run.perWorker!.length > 1 ? `; split ${run.perWorker!.join(' / ')}` : ''}; others ${Math.round(run.otherCpuPercent ?? 0)}% cpu)`),
      );
    }
  }

  let requests: Report | undefined;
  let requestsError: string | undefined;
  if (!values['no-requests']) {
    log('\nrequest cost: the bench harness on POST /bg (raw, fastts) and POST /bg-durable (fastts-durable, fastts-durable-run), in the same rounds\n');
    try {
      requests = await runRequestCost(requestRounds);
    } catch (err) {
      requestsError = (err as Error).message;
    }
  }

  const report: TasksReport = {
    generatedAt: new Date().toISOString(),
    commit: commitDescription(['core', 'tasks', 'tasks-sqlite'], 'fastts'),
    machine: machine(),
    options: { tasks: options.tasks, warmup: options.warmup, rounds, concurrency: options.concurrency ?? null, argsBytes: ARGS_BYTES },
    elapsedSeconds: (Date.now() - started) / 1000,
    throughput: summariseThroughput(runs, chosen),
    runs,
    requests: requests && { summary: requests.summary, goals: requests.goals, warnings: requests.warnings, options: requests.options, runs: requests.runs, commit: requests.commit },
    requestsError,
  };
  const markdown = renderTasksMarkdown(report, chosen);
  mkdirSync(out, { recursive: true });
  // Like the bench harness: a run of every layout replaces the committed report, a subset does not.
  const name = chosen.length === layouts.length && !values['no-requests'] && !values['cpu-prof'] ? 'tasks' : `tasks-partial-${report.generatedAt.replace(/[:.]/g, '-')}`;
  writeFileSync(join(out, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(out, `${name}.md`), markdown);
  log(`\n${markdown}`);
  log(`report: ${join(out, `${name}.md`)} (+ .json)`);
  return runs.some((r) => r.error) || requestsError ? 1 : 0;
}

/** The bench harness, for raw and fastts on POST /bg and the two durable targets on POST /bg-durable, into a scratch folder. */
async function runRequestCost(rounds: number): Promise<Report> {
  const scratch = mkdtempSync(join(tmpdir(), 'fastts-bench-requests-'));
  try {
    const child = spawn(process.execPath, [join(benchRoot, 'dist/harness/bench.js'), '--targets', 'raw,fastts,fastts-durable,fastts-durable-run', '--scenarios', 'bg', '--rounds', String(rounds), '--out', scratch], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    await once(child, 'exit');
    const file = readdirSync(scratch).find((f) => f.endsWith('.json'));
    if (!file) throw new Error(`the bench harness wrote no report (exit ${child.exitCode ?? child.signalCode})`);
    return JSON.parse(readFileSync(join(scratch, file), 'utf8')) as Report;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

process.exitCode = await main();
