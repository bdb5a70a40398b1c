import type { CheckFailure } from './checks.js';
import type { LoadResult } from './loadgen.js';
import type { Scenario } from './scenarios.js';
import { max, median, min } from './stats.js';
import { BASELINE, type Target } from './targets.js';

/** One measured run of a warm server: the measured load, and the server's peak RSS so far. */
export interface RunRecord {
  round: number;
  scenario: string;
  target: string;
  /** Position of the target in this round's order (rounds alternate direction). */
  position: number;
  warmup?: LoadResult;
  result?: LoadResult;
  /** VmHWM of the server at the end of the run, in KiB. */
  peakRssKiB: number;
  /** The @fastts/core build on disk when the server started (see build-id.ts). */
  coreBuild?: string;
  /** CPU that other processes used during the measured run, in % of one core. */
  otherCpuPercent?: number;
  /** How many times the run was measured again because other processes were busy. */
  remeasured?: number;
  /** For the background scenarios: tasks counted (GET /bg-count, or stored for fastts-durable) against 2xx responses received. */
  backgroundTasks?: { responses: number; counted: number; ok: boolean };
  error?: string;
}

export interface CorrectnessRecord {
  ok: boolean;
  failures: CheckFailure[];
  /** The server did not start. */
  error?: string;
}

export interface SummaryRow {
  scenario: string;
  target: string;
  runs: number;
  rpsMedian: number;
  rpsMin: number;
  rpsMax: number;
  /** Median over rounds of (target req/s / raw req/s in the same round). */
  ratioToRaw: number;
  ratioToRawMin: number;
  ratioToRawMax: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMiB: number;
}

export interface Goal {
  goal: string;
  value: number;
  threshold: string;
  met: boolean | null;
}

export interface Report {
  generatedAt: string;
  commit: string;
  machine: { cpu: string; cores: number; node: string; kernel: string };
  loadGenerator: string;
  pinned: { server: number; load: number } | null;
  options: { duration: number; warmup: number; rounds: number; connections: number; targets: string[]; scenarios: string[] };
  elapsedSeconds: number;
  correctness: Record<string, CorrectnessRecord>;
  summary: SummaryRow[];
  goals: Goal[];
  warnings: string[];
  runs: RunRecord[];
}

/** Other processes' CPU (in % of one core) above which a run is marked as disturbed. */
export const BUSY_PERCENT = 20;

const ok = (run: RunRecord): run is RunRecord & { result: LoadResult } => run.result !== undefined && run.error === undefined;

/** Median over rounds of a's req/s over b's req/s in the same round. */
export function pairRatio(runs: RunRecord[], scenario: string, a: string, b: string): number[] {
  const ratios: number[] = [];
  const rounds = new Set(runs.map((r) => r.round));
  for (const round of rounds) {
    const ra = runs.find((r) => r.round === round && r.scenario === scenario && r.target === a);
    const rb = runs.find((r) => r.round === round && r.scenario === scenario && r.target === b);
    if (ra && rb && ok(ra) && ok(rb) && rb.result.rps > 0) ratios.push(ra.result.rps / rb.result.rps);
  }
  return ratios;
}

/** Peak RSS of `a` over `b` in a scenario: each server's high-water mark after all its rounds. */
function rssRatios(runs: RunRecord[], scenario: string, a: string, b: string): number[] {
  const peak = (target: string) => max(runs.filter((r) => r.scenario === scenario && r.target === target && ok(r)).map((r) => r.peakRssKiB));
  const ratio = peak(a) / peak(b);
  return Number.isFinite(ratio) ? [ratio] : [];
}

export function summarise(runs: RunRecord[], scenarios: Scenario[], targets: Target[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const scenario of scenarios) {
    for (const target of targets) {
      const mine = runs.filter((r) => r.scenario === scenario.id && r.target === target.id && ok(r)) as (RunRecord & { result: LoadResult })[];
      if (mine.length === 0) continue;
      const ratios = pairRatio(runs, scenario.id, target.id, BASELINE);
      rows.push({
        scenario: scenario.id,
        target: target.id,
        runs: mine.length,
        rpsMedian: median(mine.map((r) => r.result.rps)),
        rpsMin: min(mine.map((r) => r.result.rps)),
        rpsMax: max(mine.map((r) => r.result.rps)),
        ratioToRaw: median(ratios),
        ratioToRawMin: min(ratios),
        ratioToRawMax: max(ratios),
        p50Ms: median(mine.map((r) => r.result.p50Ms)),
        p99Ms: median(mine.map((r) => r.result.p99Ms)),
        // The server serves every round: its high-water mark after the last one.
        peakRssMiB: max(mine.map((r) => r.peakRssKiB / 1024)),
      });
    }
  }
  return rows;
}

/** The targets the issue sets for fastts; a goal whose inputs were not measured is left out. */
export function evaluateGoals(runs: RunRecord[], summary: SummaryRow[]): Goal[] {
  const goals: Goal[] = [];
  const add = (goal: string, values: number[], threshold: string, test: (v: number) => boolean) => {
    if (values.length === 0) return;
    const value = median(values);
    goals.push({ goal, value, threshold, met: Number.isFinite(value) ? test(value) : null });
  };
  for (const scenario of ['hello', 'items', 'bg', 'bg-slow']) {
    add(`fastts / raw req/s, ${scenario}`, pairRatio(runs, scenario, 'fastts', 'raw'), '>= 0.90', (v) => v >= 0.9);
  }
  for (const scenario of [...new Set(runs.map((r) => r.scenario))]) {
    add(`fastts / fastify req/s, ${scenario}`, pairRatio(runs, scenario, 'fastts', 'fastify'), '>= 1.0', (v) => v >= 1);
  }
  add('fastts / NestJS req/s, post-items', pairRatio(runs, 'post-items', 'fastts', 'nest'), '>= 1.5', (v) => v >= 1.5);
  // Issue 16: storing a durable task (SQLite) costs a request at most a fifth of /bg's req/s.
  add('fastts POST /bg-durable (stored) / fastts POST /bg req/s', pairRatio(runs, 'bg', 'fastts-durable', 'fastts'), '>= 0.80', (v) => v >= 0.8);
  // Issue 17: CORS + GZip registered. fastts-mw / fastify-mw in a round is
  // (fastts-mw / raw) / (fastify-mw / raw), so >= 1 is "at least fastify's ratio to raw".
  add('fastts-mw / fastify-mw req/s, hello-mw (CORS + GZip)', pairRatio(runs, 'hello-mw', 'fastts-mw', 'fastify-mw'), '>= 1.0', (v) => v >= 1);
  add('fastts-mw / fastts req/s, hello-mw (CORS + GZip against none)', pairRatio(runs, 'hello-mw', 'fastts-mw', 'fastts'), '>= 0.95', (v) => v >= 0.95);
  const row = (scenario: string, target: string) => summary.find((r) => r.scenario === scenario && r.target === target);
  const bg = row('bg', 'fastts');
  const slow = row('bg-slow', 'fastts');
  if (bg && slow) add('fastts p50, bg-slow minus bg (ms)', [slow.p50Ms - bg.p50Ms], '<= 1 ms', (v) => v <= 1);
  add('fastts / raw peak RSS, hello', rssRatios(runs, 'hello', 'fastts', 'raw'), '<= 1.2', (v) => v <= 1.2);
  return goals;
}

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
/** Two decimals, or three when two would print the threshold itself (0.8988 against >= 0.90). */
export function goalValue(goal: Pick<Goal, 'value' | 'threshold'>): string {
  const limit = Number(/[\d.]+/.exec(goal.threshold)?.[0]);
  const shown = fmt(goal.value);
  return Number(shown) === limit && goal.value !== limit ? fmt(goal.value, 3) : shown;
}
const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');

export function renderMarkdown(report: Report, scenarios: Scenario[], targets: Target[]): string {
  const title = (id: string) => targets.find((t) => t.id === id)?.title ?? id;
  const scenarioTitle = (id: string) => scenarios.find((s) => s.id === id)?.title ?? id;
  const o = report.options;
  const lines: string[] = [];
  lines.push('# fastts benchmarks: latest run', '');
  lines.push(
    `Generated ${report.generatedAt} at commit \`${report.commit}\` by \`npm run bench\` (${Math.round(report.elapsedSeconds / 60)} min). ` +
      'How to read these numbers: [../README.md](../README.md).',
    '',
  );
  lines.push('| | |', '| --- | --- |');
  lines.push(`| machine | ${report.machine.cpu}, ${report.machine.cores} cores, Linux ${report.machine.kernel} |`);
  lines.push(`| node | ${report.machine.node} |`);
  lines.push(`| load generator | ${report.loadGenerator}, ${o.connections} connections, one thread |`);
  lines.push(
    `| pinning | ${report.pinned ? `servers on core ${report.pinned.server}, load generator on core ${report.pinned.load} (taskset)` : 'none (taskset missing)'} |`,
  );
  lines.push(`| runs | ${o.rounds} alternating rounds × ${o.scenarios.length} scenarios × ${o.targets.length} targets; one server per target and scenario, warmed up for ${o.warmup} s, serves all its rounds; each run ${o.duration} s measured |`);
  lines.push('');

  lines.push('## Results', '');
  lines.push(
    'Medians over the rounds. *ratio to raw* is the median of (target req/s ÷ raw node:http req/s in the same round); ' +
      'p50/p99 are wrk latencies under full load (closed loop); peak RSS is the server\'s VmHWM after all its rounds (MB = MiB).',
    '',
  );
  lines.push('| scenario | target | req/s (median) | ratio to raw | p50 ms | p99 ms | peak RSS MB |', '| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const row of report.summary) {
    lines.push(
      `| ${scenarioTitle(row.scenario)} | ${title(row.target)} | ${int(row.rpsMedian)} | ${fmt(row.ratioToRaw)} | ${fmt(row.p50Ms)} | ${fmt(row.p99Ms)} | ${fmt(row.peakRssMiB, 1)} |`,
    );
  }
  for (const [target, c] of Object.entries(report.correctness)) {
    if (!c.ok) lines.push(`| (all) | ${title(target)} | not measured: failed the correctness check | | | | |`);
  }
  lines.push('');

  if (report.goals.length > 0) {
    lines.push('## fastts against its goals', '');
    lines.push('| goal | measured | target | met |', '| --- | ---: | --- | --- |');
    for (const g of report.goals) lines.push(`| ${g.goal} | ${goalValue(g)} | ${g.threshold} | ${g.met === null ? '–' : g.met ? 'yes' : '**no**'} |`);
    lines.push('');
  }

  const hello = report.summary.filter((r) => r.scenario === 'hello');
  if (hello.length > 0) {
    const raw = hello.find((r) => r.target === BASELINE);
    lines.push('## Memory: peak RSS serving GET /hello', '');
    lines.push('| target | peak RSS MB | ratio to raw |', '| --- | ---: | ---: |');
    for (const r of hello) lines.push(`| ${title(r.target)} | ${fmt(r.peakRssMiB, 1)} | ${raw ? fmt(r.peakRssMiB / raw.peakRssMiB) : '–'} |`);
    lines.push('');
  }

  const bgRows = targets
    .map((t) => ({ t, bg: report.summary.find((r) => r.scenario === 'bg' && r.target === t.id), slow: report.summary.find((r) => r.scenario === 'bg-slow' && r.target === t.id) }))
    .filter((x) => x.bg && x.slow);
  if (bgRows.length > 0) {
    lines.push('## Background tasks: does a 50 ms task reach the response?', '');
    lines.push('p50 latency of `POST /bg` (an append) and `POST /bg-slow` (awaits 50 ms, then appends); equal when the task runs after the response.', '');
    lines.push('| target | bg p50 ms | bg-slow p50 ms | difference ms |', '| --- | ---: | ---: | ---: |');
    for (const { t, bg, slow } of bgRows) lines.push(`| ${t.title} | ${fmt(bg!.p50Ms)} | ${fmt(slow!.p50Ms)} | ${fmt(slow!.p50Ms - bg!.p50Ms)} |`);
    lines.push('');
  }

  lines.push('## Correctness check', '');
  lines.push('| target | result |', '| --- | --- |');
  for (const [target, c] of Object.entries(report.correctness)) {
    const detail = c.ok ? 'passed' : `**failed**: ${c.error ?? c.failures.map((f) => `${f.check} (${f.message.replaceAll('|', '\\|').replaceAll('\n', ' ')})`).join('; ')}`;
    lines.push(`| ${title(target)} | ${detail} |`);
  }
  lines.push('');

  lines.push('## Every round', '');
  lines.push(
    `req/s of each measured run, by round (rounds alternate the order of the targets). ` +
      `\\* marks a run during which other processes on the machine used more than ${BUSY_PERCENT}% of a core.`,
    '',
  );
  const rounds = [...new Set(report.runs.map((r) => r.round))].sort((a, b) => a - b);
  lines.push(`| scenario | target | ${rounds.map((r) => `round ${r}`).join(' | ')} | spread |`, `| --- | --- | ${rounds.map(() => '---:').join(' | ')} | ---: |`);
  for (const row of report.summary) {
    const cells = rounds.map((round) => {
      const run = report.runs.find((r) => r.round === round && r.scenario === row.scenario && r.target === row.target);
      const busy = (run?.otherCpuPercent ?? 0) > BUSY_PERCENT ? ' *' : '';
      return run?.result ? `${int(run.result.rps)}${busy}` : run?.error ? 'error' : '–';
    });
    const spread = row.rpsMedian > 0 ? `±${fmt(((row.rpsMax - row.rpsMin) / 2 / row.rpsMedian) * 100, 1)}%` : '–';
    lines.push(`| ${row.scenario} | ${row.target} | ${cells.join(' | ')} | ${spread} |`);
  }
  lines.push('');

  if (report.warnings.length > 0) {
    lines.push('## Warnings', '');
    for (const w of report.warnings) lines.push(`- ${w}`);
    lines.push('');
  }
  return lines.join('\n');
}
