import type { Machine } from '../harness/machine.js';
import { BUSY_PERCENT, goalValue, pairRatio, type Goal, type Report, type SummaryRow } from '../harness/report.js';
import { max, median, min } from '../harness/stats.js';
import type { Layout, ThroughputRun } from './runs.js';

/** The memory layout every SQLite figure is divided by, in the same round. */
const MEMORY = 'memory';

export interface ThroughputRow {
  layout: string;
  runs: number;
  tasksPerSecond: number;
  tasksPerSecondMin: number;
  tasksPerSecondMax: number;
  /** Median over rounds of (this layout's tasks/s ÷ the memory backend's in the same round). */
  ratioToMemory: number;
  enqueueSeconds: number;
  /** CPU of the processes that ran tasks, per task, in µs. */
  workerCpuMicrosPerTask: number;
  producerCpuMicrosPerTask: number | null;
  /** Tasks per second of CPU time of the processes that ran them: what one core would do if it only ran tasks. */
  tasksPerWorkerCpuSecond: number;
}

export interface TasksReport {
  generatedAt: string;
  commit: string;
  machine: Machine;
  options: { tasks: number; warmup: number; rounds: number; concurrency: number | null; argsBytes: number };
  elapsedSeconds: number;
  throughput: ThroughputRow[];
  runs: ThroughputRun[];
  requests?: Pick<Report, 'summary' | 'goals' | 'warnings' | 'options' | 'runs' | 'commit'>;
  requestsError?: string;
}

type Measured = ThroughputRun & Required<Pick<ThroughputRun, 'tasksPerSecond' | 'seconds' | 'enqueueSeconds' | 'workerCpuSeconds' | 'tasks'>>;
const ok = (run: ThroughputRun): run is Measured => run.error === undefined && run.tasksPerSecond !== undefined;

export function summariseThroughput(runs: ThroughputRun[], layouts: Layout[]): ThroughputRow[] {
  const rows: ThroughputRow[] = [];
  for (const layout of layouts) {
    const mine = runs.filter((r) => r.layout === layout.id && ok(r)) as Measured[];
    if (mine.length === 0) continue;
    const ratios = mine.flatMap((r) => {
      const memory = runs.find((m) => m.round === r.round && m.layout === MEMORY);
      return memory && ok(memory) ? [r.tasksPerSecond / memory.tasksPerSecond] : [];
    });
    const producer = mine.filter((r) => r.producerCpuSeconds !== undefined);
    rows.push({
      layout: layout.id,
      runs: mine.length,
      tasksPerSecond: median(mine.map((r) => r.tasksPerSecond)),
      tasksPerSecondMin: min(mine.map((r) => r.tasksPerSecond)),
      tasksPerSecondMax: max(mine.map((r) => r.tasksPerSecond)),
      ratioToMemory: median(ratios),
      enqueueSeconds: median(mine.map((r) => r.enqueueSeconds)),
      workerCpuMicrosPerTask: median(mine.map((r) => (r.workerCpuSeconds / r.tasks) * 1e6)),
      producerCpuMicrosPerTask: producer.length === 0 ? null : median(producer.map((r) => (r.producerCpuSeconds! / r.tasks) * 1e6)),
      tasksPerWorkerCpuSecond: median(mine.map((r) => r.tasks / r.workerCpuSeconds)),
    });
  }
  return rows;
}

const fmt = (n: number | null | undefined, digits = 2) => (n !== null && n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : '–');
const int = (n: number | null | undefined) => (n !== null && n !== undefined && Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');

export function renderTasksMarkdown(report: TasksReport, layouts: Layout[]): string {
  const o = report.options;
  const row = (id: string) => report.throughput.find((r) => r.layout === id);
  const lines: string[] = [];
  lines.push('# fastts benchmarks: durable tasks', '');
  lines.push(
    `Generated ${report.generatedAt} at commit \`${report.commit}\` by \`npm run tasks -w benchmarks\` (${Math.round(report.elapsedSeconds / 60)} min). ` +
      'How it is measured: [../README.md](../README.md#durable-tasks).',
    '',
  );
  lines.push('| | |', '| --- | --- |');
  lines.push(`| machine | ${report.machine.cpu}, ${report.machine.cores} cores, Linux ${report.machine.kernel} |`);
  lines.push(`| node | ${report.machine.node} |`);
  lines.push(
    `| throughput runs | ${o.rounds} alternating rounds × ${layouts.length} layouts; each run a fresh store and fresh processes (not pinned), ` +
      `${int(o.warmup)} tasks not measured, then ${int(o.tasks)} tasks enqueued at once and measured from the first enqueue to the last task stored as succeeded |`,
  );
  lines.push(`| task | a named task (\`defineTask\`) that reads its argument and returns; ${o.argsBytes} bytes of JSON arguments |`);
  lines.push(`| queue concurrency | ${o.concurrency ?? '10 (the runtime\'s default)'} per worker; SQLite polls every 50 ms (the default) |`);
  if (report.requests) {
    const r = report.requests.options;
    lines.push(`| request cost | \`npm run bench\` with targets raw, fastts, fastts-durable, fastts-durable-run on scenario bg: ${r.rounds} alternating rounds, each run ${r.duration} s, ${r.connections} connections (wrk), server on core 0 and wrk on core 1 |`);
  }
  lines.push('');

  lines.push('## Throughput: tasks per second, enqueue to completion', '');
  lines.push('Medians over the rounds. *SQLite / memory* is the median of (SQLite tasks/s ÷ memory tasks/s in the same round). The memory backend lives in one process, so its cells with worker processes are not applicable.', '');
  lines.push('| layout | memory tasks/s | SQLite tasks/s | SQLite / memory |', '| --- | ---: | ---: | ---: |');
  const memory = row(MEMORY);
  for (const [id, title] of [
    ['sqlite', 'one process enqueues and runs (1 worker)'],
    ['sqlite-1w', 'a producer process, 1 worker process'],
    ['sqlite-2w', 'a producer process, 2 worker processes'],
  ] as const) {
    const sqlite = row(id);
    if (!sqlite && !(id === 'sqlite' && memory)) continue;
    const memoryCell = id === 'sqlite' ? int(memory?.tasksPerSecond) : 'n/a';
    lines.push(`| ${title} | ${memoryCell} | ${int(sqlite?.tasksPerSecond)} | ${fmt(sqlite?.ratioToMemory)} |`);
  }
  lines.push('');
  lines.push('For the layouts with worker processes, *SQLite / memory* divides by the one-process memory figure.', '');

  lines.push('### CPU per task', '');
  lines.push(
    '*worker CPU* is the CPU time of the processes that ran tasks (summed over the workers), per task; *tasks per worker CPU-second* is what one core spends on running tasks only. ' +
      '*producer CPU* is the separate producer\'s, per task enqueued. Enqueue: how long the producer took to enqueue the measured tasks.',
    '',
  );
  lines.push(
    '| layout | backend | tasks/s (min–max) | enqueue s | worker CPU µs/task | tasks per worker CPU-second | producer CPU µs/task |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const layout of layouts) {
    const r = row(layout.id);
    if (!r) {
      lines.push(`| ${layout.title} | ${layout.backend} | no run succeeded | | | | |`);
      continue;
    }
    lines.push(
      `| ${layout.title} | ${layout.backend} | ${int(r.tasksPerSecond)} (${int(r.tasksPerSecondMin)}–${int(r.tasksPerSecondMax)}) | ${fmt(r.enqueueSeconds)} | ` +
        `${fmt(r.workerCpuMicrosPerTask, 1)} | ${int(r.tasksPerWorkerCpuSecond)} | ${r.producerCpuMicrosPerTask === null ? '–' : fmt(r.producerCpuMicrosPerTask, 1)} |`,
    );
  }
  lines.push('');

  lines.push('### Every round', '');
  const rounds = [...new Set(report.runs.map((r) => r.round))].sort((a, b) => a - b);
  lines.push(`| layout | ${rounds.map((r) => `round ${r}`).join(' | ')} | spread |`, `| --- | ${rounds.map(() => '---:').join(' | ')} | ---: |`);
  for (const layout of layouts) {
    const r = row(layout.id);
    const cells = rounds.map((round) => {
      const run = report.runs.find((x) => x.round === round && x.layout === layout.id);
      if (!run) return '–';
      if (run.error) return 'error';
      const split = run.perWorker && run.perWorker.length > 1 ? ` (${run.perWorker.join('/')})` : '';
      const busy = (run.otherCpuPercent ?? 0) > BUSY_PERCENT ? ' *' : '';
      return `${int(run.tasksPerSecond)}${split}${busy}`;
    });
    const spread = r && r.tasksPerSecond > 0 ? `±${fmt(((r.tasksPerSecondMax - r.tasksPerSecondMin) / 2 / r.tasksPerSecond) * 100, 1)}%` : '–';
    lines.push(`| ${layout.id} | ${cells.join(' | ')} | ${spread} |`);
  }
  lines.push('', `With two workers, the parentheses give the tasks each ran. \\* marks a run during which other processes used more than ${BUSY_PERCENT}% of a core.`, '');

  if (report.requests || report.requestsError) {
    lines.push('## Request cost: POST /bg-durable', '');
    if (report.requestsError) lines.push(`Not measured: ${report.requestsError}`, '');
    if (report.requests) lines.push(...renderRequests(report.requests));
  }

  const errors = report.runs.filter((r) => r.error);
  if (errors.length > 0) {
    lines.push('## Errors', '');
    for (const r of errors) lines.push(`- round ${r.round}, ${r.layout}: ${r.error!.split('\n')[0]}`);
    lines.push('');
  }
  return lines.join('\n');
}

function renderRequests(requests: NonNullable<TasksReport['requests']>): string[] {
  const lines: string[] = [];
  const bg = (target: string): SummaryRow | undefined => requests.summary.find((r) => r.scenario === 'bg' && r.target === target);
  lines.push(
    `Medians over the rounds (commit \`${requests.commit}\`). Each ratio is taken per round, between runs seconds apart, then the median. ` +
      'fastts-durable and fastts-durable-run are the fastts target with a SQLite task runtime (a temporary file); each request adds one durable named task. ' +
      'fastts-durable only stores it (`work: false`, as when worker processes run the tasks; here none does, they stay queued); fastts-durable-run also runs it in the same process (the default), so its req/s include claiming, running and settling the task.',
    '',
  );
  lines.push(
    '| target | route | req/s (median) | ratio to raw /bg | ratio to fastts /bg | not 2xx | p50 ms | p99 ms | peak RSS MB |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const [target, route] of [
    ['raw', 'POST /bg'],
    ['fastts', 'POST /bg'],
    ['fastts-durable', 'POST /bg-durable, stored'],
    ['fastts-durable-run', 'POST /bg-durable, stored and run'],
  ] as const) {
    const r = bg(target);
    if (!r) continue;
    const toBg = target === 'raw' ? '–' : fmt(median(pairRatio(requests.runs, 'bg', target, 'fastts')));
    // 503s of a full task queue are counted in req/s: their share, over every round.
    const mine = requests.runs.filter((x) => x.scenario === 'bg' && x.target === target && x.result);
    const total = mine.reduce((n, x) => n + x.result!.requests, 0);
    const refused = mine.reduce((n, x) => n + x.result!.non2xx, 0);
    const share = total > 0 ? `${fmt((refused / total) * 100, 1)}%` : '–';
    lines.push(`| ${target} | ${route} | ${int(r.rpsMedian)} | ${fmt(r.ratioToRaw)} | ${toBg} | ${share} | ${fmt(r.p50Ms)} | ${fmt(r.p99Ms)} | ${fmt(r.peakRssMiB, 1)} |`);
  }
  lines.push('');
  const goals = requests.goals.filter((g: Goal) => g.goal.includes('bg'));
  if (goals.length > 0) {
    lines.push('| goal | measured | target | met |', '| --- | ---: | --- | --- |');
    for (const g of goals) lines.push(`| ${g.goal} | ${goalValue(g)} | ${g.threshold} | ${g.met === null ? '–' : g.met ? 'yes' : '**no**'} |`);
    lines.push('');
  }
  const rounds = [...new Set(requests.runs.map((r) => r.round))].sort((a, b) => a - b);
  lines.push(`| target | ${rounds.map((r) => `round ${r}`).join(' | ')} |`, `| --- | ${rounds.map(() => '---:').join(' | ')} |`);
  for (const target of ['raw', 'fastts', 'fastts-durable', 'fastts-durable-run']) {
    const cells = rounds.map((round) => {
      const run = requests.runs.find((r) => r.round === round && r.target === target);
      const busy = (run?.otherCpuPercent ?? 0) > BUSY_PERCENT ? ' *' : '';
      return run?.result ? `${int(run.result.rps)}${busy}` : run?.error ? 'error' : '–';
    });
    lines.push(`| ${target} | ${cells.join(' | ')} |`);
  }
  lines.push('', `req/s per round; \\* marks a run during which other processes used more than ${BUSY_PERCENT}% of a core.`, '');
  if (requests.warnings.length > 0) {
    lines.push('Warnings of that run:', '');
    for (const w of requests.warnings) lines.push(`- ${w}`);
    lines.push('');
  }
  return lines;
}
