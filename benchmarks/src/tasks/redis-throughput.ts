// `npm run tasks-redis -w benchmarks`: named-task throughput on the BullMQ
// backend (issue 19) with 1 and 2 worker processes, beside plain BullMQ doing
// the same work (the ceiling) and the memory and SQLite backends, in
// alternating rounds; every BullMQ run on a redis-server of its own, started
// and stopped here. Writes results/tasks-redis.{md,json}.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { integerOption } from '../harness/options.js';
import { commitDescription, machine, type Machine } from '../harness/machine.js';
import { killChildrenOnSignals } from '../harness/processes.js';
import { BUSY_PERCENT } from '../harness/report.js';
import { median } from '../harness/stats.js';
import { summariseThroughput, type ThroughputRow } from './report.js';
import { redisLayouts, runLayout, type Layout, type RunOptions, type ThroughputRun } from './runs.js';
import { ARGS_BYTES } from './task.js';

const benchRoot = fileURLToPath(new URL('../../', import.meta.url));
const log = (line: string) => process.stdout.write(`${line}\n`);

/** Each fastts BullMQ layout and the plain BullMQ layout it is divided by, in the same round. */
const PAIRS: [string, string][] = [
  ['bullmq-1w', 'plain-1w'],
  ['bullmq-2w', 'plain-2w'],
];
const GOAL = 0.9;

const usage = `Usage: npm run tasks-redis -w benchmarks -- [options]

  --tasks <n>          tasks per measured run (default 20000)
  --warmup <n>         tasks run first in each run, not measured (default 2000)
  --rounds <n>         alternating rounds; figures are medians (default 5)
  --concurrency <n>    queue (Worker) concurrency of each worker process (default 10, the runtime's)
  --layouts <a,b>      ${redisLayouts.map((l) => l.id).join(',')} (default: all)
  --cpu-prof           write a .cpuprofile of every process to <out>/profiles/ (slower: not a measurement)
  --out <dir>          report directory (default benchmarks/results)
`;

interface RedisTasksReport {
  generatedAt: string;
  commit: string;
  machine: Machine;
  options: { tasks: number; warmup: number; rounds: number; concurrency: number; argsBytes: number };
  elapsedSeconds: number;
  throughput: ThroughputRow[];
  /** Median over rounds of fastts BullMQ tasks/s ÷ plain BullMQ tasks/s. */
  toPlain: { layout: string; plain: string; ratio: number }[];
  /** redis-server CPU per task, µs (median). */
  redisMicrosPerTask: Record<string, number>;
  runs: ThroughputRun[];
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      tasks: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      concurrency: { type: 'string' },
      layouts: { type: 'string' },
      out: { type: 'string' },
      'cpu-prof': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    log(usage);
    return 0;
  }
  const chosen = values.layouts ? redisLayouts.filter((l) => values.layouts!.split(',').includes(l.id)) : redisLayouts;
  let options: RunOptions;
  let rounds: number;
  try {
    // The same concurrency on both sides of each pair: plain BullMQ's Worker gets the runtime's default.
    options = { tasks: integerOption('tasks', values.tasks, 20_000), warmup: integerOption('warmup', values.warmup, 2_000, 0), concurrency: integerOption('concurrency', values.concurrency, 10), timeoutMs: 180_000 };
    rounds = integerOption('rounds', values.rounds, 5);
    if (chosen.length === 0) throw new Error(`--layouts: none of ${values.layouts}`);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage}`);
    return 2;
  }
  killChildrenOnSignals();
  const out = resolve(process.env['INIT_CWD'] ?? process.cwd(), values.out ?? join(benchRoot, 'results'));
  if (values['cpu-prof']) options.cpuProfDir = join(out, 'profiles');
  const started = Date.now();
  log(`task throughput on Redis: ${chosen.map((l) => l.id).join(', ')}; ${rounds} rounds of ${options.tasks.toLocaleString('en-US')} tasks (after ${options.warmup.toLocaleString('en-US')}), concurrency ${options.concurrency}`);

  const runs: ThroughputRun[] = [];
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? chosen : [...chosen].reverse();
    for (const layout of order) {
      const run = await runLayout(layout, round, options);
      runs.push(run);
      log(
        `round ${round} ${layout.id.padEnd(10)} ` +
          (run.error
            ? `ERROR ${run.error.split('\n')[0]}`
            : `${Math.round(run.tasksPerSecond!).toLocaleString('en-US').padStart(7)} tasks/s  (${run.seconds!.toFixed(2)} s; worker cpu ${run.workerCpuSeconds!.toFixed(2)} s` +
              `${run.redisCpuSeconds !== undefined ? `; redis cpu ${run.redisCpuSeconds.toFixed(2)} s` : ''}${run.perWorker!.length > 1 ? `; split ${run.perWorker!.join(' / ')}` : ''}; others ${Math.round(run.otherCpuPercent ?? 0)}% cpu)`),
      );
    }
  }

  const ok = (r: ThroughputRun | undefined): r is ThroughputRun & { tasksPerSecond: number } => r !== undefined && r.error === undefined && r.tasksPerSecond !== undefined;
  const report: RedisTasksReport = {
    generatedAt: new Date().toISOString(),
    commit: commitDescription(['core', 'tasks', 'tasks-sqlite', 'tasks-bullmq'], 'fastts'),
    machine: machine(),
    options: { tasks: options.tasks, warmup: options.warmup, rounds, concurrency: options.concurrency!, argsBytes: ARGS_BYTES },
    elapsedSeconds: (Date.now() - started) / 1000,
    throughput: summariseThroughput(runs, chosen),
    toPlain: PAIRS.flatMap(([layout, plain]) => {
      const ratios = runs.flatMap((r) => {
        const p = runs.find((q) => q.round === r.round && q.layout === plain);
        return r.layout === layout && ok(r) && ok(p) ? [r.tasksPerSecond / p.tasksPerSecond] : [];
      });
      return ratios.length === 0 ? [] : [{ layout, plain, ratio: median(ratios) }];
    }),
    redisMicrosPerTask: Object.fromEntries(
      chosen.flatMap((l) => {
        const mine = runs.filter((r) => r.layout === l.id && ok(r) && r.redisCpuSeconds !== undefined);
        return mine.length === 0 ? [] : [[l.id, median(mine.map((r) => (r.redisCpuSeconds! / r.tasks!) * 1e6))]];
      }),
    ),
    runs,
  };
  const markdown = render(report, chosen);
  mkdirSync(out, { recursive: true });
  const name = chosen.length === redisLayouts.length && !values['cpu-prof'] ? 'tasks-redis' : `tasks-redis-partial-${report.generatedAt.replace(/[:.]/g, '-')}`;
  writeFileSync(join(out, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(out, `${name}.md`), markdown);
  log(`\n${markdown}`);
  log(`report: ${join(out, `${name}.md`)} (+ .json)`);
  return runs.some((r) => r.error) ? 1 : 0;
}

const int = (n: number | null | undefined) => (n !== null && n !== undefined && Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const fmt = (n: number | null | undefined, digits = 2) => (n !== null && n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : '–');

function render(report: RedisTasksReport, layouts: Layout[]): string {
  const o = report.options;
  const lines: string[] = [];
  lines.push('# fastts benchmarks: tasks on Redis (BullMQ)', '');
  lines.push(`Generated ${report.generatedAt} at commit \`${report.commit}\` by \`npm run tasks-redis -w benchmarks\` (${Math.round(report.elapsedSeconds / 60)} min).`, '');
  lines.push('| | |', '| --- | --- |');
  lines.push(`| machine | ${report.machine.cpu}, ${report.machine.cores} cores, Linux ${report.machine.kernel} |`);
  lines.push(`| node | ${report.machine.node} |`);
  lines.push(
    `| runs | ${o.rounds} alternating rounds × ${layouts.length} layouts; each run a fresh store (a new SQLite file, a new redis-server) and fresh processes (not pinned), ${int(o.warmup)} tasks not measured, then ${int(o.tasks)} enqueued at once and measured from the first enqueue to the last task reported succeeded |`,
  );
  lines.push(`| task | a named task that reads its argument and returns; ${o.argsBytes} bytes of JSON arguments |`);
  lines.push(`| concurrency | ${o.concurrency} per worker process, fastts and plain BullMQ alike |`);
  lines.push('| Redis | Debian\'s redis-server on loopback, `noeviction`, no RDB, no AOF (one per run) |');
  lines.push('| plain BullMQ | `queue.add` per task from one process, `new Worker(name, processor, { concurrency })` in the others; the same `removeOnComplete` as the fastts backend |', '');

  lines.push('## fastts on BullMQ against plain BullMQ', '');
  lines.push('| layout | fastts BullMQ tasks/s | plain BullMQ tasks/s | fastts / plain (median of rounds) | goal | met |', '| --- | ---: | ---: | ---: | --- | --- |');
  for (const pair of report.toPlain) {
    const a = report.throughput.find((r) => r.layout === pair.layout);
    const b = report.throughput.find((r) => r.layout === pair.plain);
    lines.push(`| ${pair.layout.endsWith('2w') ? '2 worker processes' : '1 worker process'} | ${int(a?.tasksPerSecond)} | ${int(b?.tasksPerSecond)} | ${fmt(pair.ratio)} | >= ${GOAL} | ${pair.ratio >= GOAL ? 'yes' : '**no**'} |`);
  }
  lines.push('', '## Every layout', '');
  lines.push('Medians over the rounds. *worker CPU* sums the processes that ran tasks; *Redis CPU* is redis-server\'s, per task.', '');
  lines.push('| layout | backend | tasks/s (min–max) | / memory | worker CPU µs/task | producer CPU µs/task | Redis CPU µs/task |', '| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const layout of layouts) {
    const row = report.throughput.find((r) => r.layout === layout.id);
    if (!row) continue;
    lines.push(
      `| ${layout.id}: ${layout.title} | ${layout.backend} | ${int(row.tasksPerSecond)} (${int(row.tasksPerSecondMin)}–${int(row.tasksPerSecondMax)}) | ${fmt(row.ratioToMemory)} | ${fmt(row.workerCpuMicrosPerTask, 1)} | ${fmt(row.producerCpuMicrosPerTask, 1)} | ${fmt(report.redisMicrosPerTask[layout.id], 1)} |`,
    );
  }
  lines.push('', '### Every round', '');
  lines.push(`| layout | ${Array.from({ length: o.rounds }, (_, i) => `round ${i + 1}`).join(' | ')} |`, `| --- | ${Array.from({ length: o.rounds }, () => '---:').join(' | ')} |`);
  for (const layout of layouts) {
    const cells = Array.from({ length: o.rounds }, (_, i) => {
      const run = report.runs.find((r) => r.layout === layout.id && r.round === i + 1);
      if (!run) return '–';
      if (run.error) return 'error';
      const busy = (run.otherCpuPercent ?? 0) > BUSY_PERCENT ? ` \\* (${Math.round(run.otherCpuPercent!)}%)` : '';
      const split = run.perWorker && run.perWorker.length > 1 ? ` (${run.perWorker.join('/')})` : '';
      return `${int(run.tasksPerSecond)}${split}${busy}`;
    });
    lines.push(`| ${layout.id} | ${cells.join(' | ')} |`);
  }
  lines.push('', `With two workers, the parentheses give the tasks each ran. \\* marks a run during which other processes used more than ${BUSY_PERCENT}% of a core (the figure in parentheses).`, '');
  const errors = report.runs.filter((r) => r.error);
  if (errors.length > 0) lines.push('Errors:', '', ...errors.map((r) => `- round ${r.round}, ${r.layout}: ${r.error!.split('\n')[0]}`), '');
  return `${lines.join('\n')}\n`;
}

process.exitCode = await main();
