// Medians, ratios and the markdown of `npm run realtime`.
import type { Machine } from '../harness/machine.js';
import { max, median, min } from '../harness/stats.js';
import { BUSY_PERCENT, type EchoRun, type MemoryRun } from './runs.js';
import { echoTargets, sseTargets, type RealtimeTarget } from './targets.js';

/** Issue 20's aim: fastts echoes at least this share of bare `ws`'s messages per second. */
export const ECHO_AIM = 0.9;
const CEILING = { ws: 'ws', sse: 'node-http' } as const;

export interface EchoRow {
  target: string;
  runs: number;
  messagesPerSecond: number;
  min: number;
  max: number;
  /** Median over rounds of (messages/s ÷ bare ws's in the same round). */
  ratioToWs: number;
  serverCpuMicrosPerMessage: number;
  /** Median over rounds of (µs per message ÷ bare ws's in the same round). */
  cpuRatioToWs: number;
  serverCpuPercent: number;
}

export interface MemoryRow {
  kind: 'ws' | 'sse';
  target: string;
  runs: number;
  opened: number;
  rssPerConnection: number;
  heapPerConnection: number;
  externalPerConnection: number;
  /** Median over rounds of (RSS per connection ÷ the bare server's in the same round). */
  rssRatio: number;
  openSeconds: number;
}

export interface RealtimeReport {
  generatedAt: string;
  command: string;
  commit: string;
  machine: Machine;
  pinned: boolean;
  options: { connections: number; seconds: number; warmupSeconds: number; rounds: number; idle: number; idleRequested: number; openFileLimit: number; memoryRounds: number };
  elapsedSeconds: number;
  echo: EchoRow[];
  memory: MemoryRow[];
  aim?: { value: number; met: boolean };
  echoRuns: EchoRun[];
  memoryRuns: MemoryRun[];
}

const measured = (r: EchoRun) => r.error === undefined && r.messagesPerSecond !== undefined;

function perRoundRatio<T extends { round: number; target: string }>(runs: T[], run: T, ceiling: string, value: (r: T) => number | undefined, same: (a: T, b: T) => boolean = () => true): number {
  const base = runs.find((r) => r.round === run.round && r.target === ceiling && same(r, run));
  const a = value(run);
  const b = base && value(base);
  return a !== undefined && b !== undefined && b !== 0 ? a / b : Number.NaN;
}

export function summariseEcho(runs: EchoRun[], targets: readonly RealtimeTarget[] = echoTargets): EchoRow[] {
  const ok = runs.filter(measured);
  return targets.flatMap((target) => {
    const mine = ok.filter((r) => r.target === target.id);
    if (mine.length === 0) return [];
    const rate = mine.map((r) => r.messagesPerSecond!);
    return [
      {
        target: target.id,
        runs: mine.length,
        messagesPerSecond: median(rate),
        min: min(rate),
        max: max(rate),
        ratioToWs: median(mine.map((r) => perRoundRatio(ok, r, CEILING.ws, (x) => x.messagesPerSecond))),
        serverCpuMicrosPerMessage: median(mine.map((r) => r.serverCpuMicrosPerMessage!)),
        cpuRatioToWs: median(mine.map((r) => perRoundRatio(ok, r, CEILING.ws, (x) => x.serverCpuMicrosPerMessage))),
        serverCpuPercent: median(mine.map((r) => r.serverCpuPercent!)),
      },
    ];
  });
}

export function summariseMemory(runs: MemoryRun[]): MemoryRow[] {
  const ok = runs.filter((r) => r.rssPerConnection !== undefined);
  const rows: MemoryRow[] = [];
  for (const [kind, targets] of [['ws', echoTargets], ['sse', sseTargets]] as const) {
    for (const target of targets) {
      const mine = ok.filter((r) => r.kind === kind && r.target === target.id);
      if (mine.length === 0) continue;
      rows.push({
        kind,
        target: target.id,
        runs: mine.length,
        opened: median(mine.map((r) => r.opened!)),
        rssPerConnection: median(mine.map((r) => r.rssPerConnection!)),
        heapPerConnection: median(mine.map((r) => r.heapPerConnection!)),
        externalPerConnection: median(mine.map((r) => r.externalPerConnection!)),
        rssRatio: median(mine.map((r) => perRoundRatio(ok, r, CEILING[kind], (x) => x.rssPerConnection, (a, b) => a.kind === b.kind))),
        openSeconds: median(mine.map((r) => r.openSeconds!)),
      });
    }
  }
  return rows;
}

export function echoAim(rows: EchoRow[]): { value: number; met: boolean } | undefined {
  const fastts = rows.find((r) => r.target === 'fastts');
  if (!fastts || !Number.isFinite(fastts.ratioToWs)) return undefined;
  return { value: fastts.ratioToWs, met: fastts.ratioToWs >= ECHO_AIM };
}

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const fixed = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const label = (kind: 'ws' | 'sse', id: string) => (kind === 'ws' ? echoTargets : sseTargets).find((t) => t.id === id)?.label ?? id;

export function renderRealtimeMarkdown(report: RealtimeReport): string {
  const o = report.options;
  const lines: string[] = [];
  const push = (...l: string[]) => lines.push(...l);
  const echoOk = report.echoRuns.filter(measured);
  const memoryOk = report.memoryRuns.filter((r) => r.otherCpuPercent !== undefined);
  const disturbed = (xs: { otherCpuPercent?: number }[]) => xs.filter((r) => r.otherCpuPercent! > BUSY_PERCENT).length;
  push(
    '# fastts benchmarks: WebSockets and server-sent events (issue 20)',
    '',
    `Generated ${report.generatedAt} at commit \`${report.commit}\` by \`${report.command}\` (${Math.round(report.elapsedSeconds / 60)} min). How it is measured: [../README.md](../README.md#websockets-and-server-sent-events).`,
    '',
    '| | |',
    '| --- | --- |',
    `| machine | ${report.machine.cpu}, ${report.machine.cores} cores, Linux ${report.machine.kernel} |`,
    `| node | ${report.machine.node} |`,
    `| pinning | ${report.pinned ? 'servers on core 0, the load process on core 1 (taskset)' : 'none (no taskset)'} |`,
    `| echo runs | ${o.rounds} alternating rounds × ${report.echo.length} targets; one warm server per target serves every round; each run opens ${o.connections} WebSockets, sends for 1 s not measured, then ${o.seconds} s measured; ${o.warmupSeconds} s of warm-up per server first |`,
    `| echo message | 32 bytes of text, each connection sending its next one as its echo arrives |`,
    `| memory runs | ${o.memoryRounds} rounds; each a fresh server per target: 100 connections opened and closed, baseline, ${int(o.idle)} idle connections opened, figures again after 1 s; \`gc()\` twice before each reading |`,
    `| open files | soft limit ${Number.isFinite(o.openFileLimit) ? int(o.openFileLimit) : 'unlimited'}${o.idle < o.idleRequested ? `: ${int(o.idleRequested)} connections asked for, ${int(o.idle)} held (the limit less a margin)` : ''} |`,
    `| interference | echo: ${disturbed(echoOk)} of ${echoOk.length} runs with others above ${BUSY_PERCENT}% of a core (at most ${fixed(max(echoOk.map((r) => r.otherCpuPercent!)), 0)}%, median ${fixed(median(echoOk.map((r) => r.otherCpuPercent!)), 0)}%); memory: ${disturbed(memoryOk)} of ${memoryOk.length} (median ${fixed(median(memoryOk.map((r) => r.otherCpuPercent!)), 0)}%) |`,
    '',
    '## WebSocket echo, 100 connections',
    '',
    'Medians over the rounds; each ratio is taken within a round, then the median. *server CPU* is the server process\'s CPU time (from `/proc`) over the measured window: per message echoed, and in % of one core (under 100%, something other than the server set the pace).',
    '',
    '| target | messages/s (min–max) | ratio to bare ws | server CPU µs/message | CPU ratio to bare ws | server CPU % |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of report.echo) push(`| ${label('ws', r.target)} | ${int(r.messagesPerSecond)} (${int(r.min)}–${int(r.max)}) | ${fixed(r.ratioToWs)} | ${fixed(r.serverCpuMicrosPerMessage, 1)} | ${fixed(r.cpuRatioToWs)} | ${fixed(r.serverCpuPercent, 0)} |`);
  push('');
  if (report.aim) push(`**Aim: fastts ≥ ${ECHO_AIM} × bare ws messages/s: ${fixed(report.aim.value)}, ${report.aim.met ? 'met' : 'not met'}.**`, '');
  const listener = report.echo.find((r) => r.target === 'fastts-listener');
  if (listener && Number.isFinite(listener.ratioToWs)) push(`With the echo as a message listener (\`ws.onText\`): ${fixed(listener.ratioToWs)} × bare ws, ${listener.ratioToWs >= ECHO_AIM ? 'at' : 'below'} the aim.`, '');
  push(
    '## Memory per idle connection',
    '',
    `The server's growth with ${int(o.idle)} idle connections open, divided by the connections: resident set (VmRSS from \`/proc\`), JavaScript heap used, and external memory (buffers outside the heap), after \`gc()\`. Ratios divide by the bare server's RSS per connection in the same round.`,
    '',
    '| connections | target | held | RSS bytes/conn | ratio | heap bytes/conn | external bytes/conn | opened in s |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of report.memory) push(`| ${r.kind === 'ws' ? 'WebSocket' : 'SSE'} | ${label(r.kind, r.target)} | ${int(r.opened)} | ${int(r.rssPerConnection)} | ${fixed(r.rssRatio)} | ${int(r.heapPerConnection)} | ${int(r.externalPerConnection)} | ${fixed(r.openSeconds, 1)} |`);
  push('', '## Every run', '', '| round | target | messages/s | server CPU µs/msg | server CPU % | others % |', '| ---: | --- | ---: | ---: | ---: | ---: |');
  for (const r of report.echoRuns) push(r.error ? `| ${r.round} | ${r.target} | error: ${r.error.split('\n')[0]} | | | |` : `| ${r.round} | ${r.target} | ${int(r.messagesPerSecond!)} | ${fixed(r.serverCpuMicrosPerMessage!, 1)} | ${fixed(r.serverCpuPercent!, 0)} | ${fixed(r.otherCpuPercent!, 0)}${r.otherCpuPercent! > BUSY_PERCENT ? ' *' : ''} |`);
  push('', '| round | kind | target | held | RSS before MB | RSS after MB | heap before MB | heap after MB | others % |', '| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  const mb = (n: number | undefined) => (n === undefined ? 'n/a' : (n / 1048576).toFixed(1));
  for (const r of report.memoryRuns) push(r.rssBefore === undefined ? `| ${r.round} | ${r.kind} | ${r.target} | error: ${r.error?.split('\n')[0]} | | | | | |` : `| ${r.round} | ${r.kind} | ${r.target} | ${int(r.opened!)}${r.failed ? ` (${r.failed} failed)` : ''} | ${mb(r.rssBefore)} | ${mb(r.rssAfter)} | ${mb(r.heapBefore)} | ${mb(r.heapAfter)} | ${fixed(r.otherCpuPercent!, 0)}${r.otherCpuPercent! > BUSY_PERCENT ? ' *' : ''} |`);
  push('', `\`*\`: other processes used more than ${BUSY_PERCENT}% of a core during the run.`, '');
  return `${lines.join('\n')}\n`;
}
