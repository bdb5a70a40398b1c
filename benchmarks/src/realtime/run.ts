// `npm run realtime -w benchmarks`: issue 20's measures. WebSocket echo
// messages per second over 100 connections (bare `ws`, fastts,
// @fastify/websocket) in alternating rounds, then memory per idle connection
// with 10,000 open WebSockets and 10,000 open SSE streams; writes
// results/realtime.{md,json}.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { integerOption } from '../harness/options.js';
import { commitDescription, machine } from '../harness/machine.js';
import { canPin, killChildrenOnSignals, type RunningServer } from '../harness/processes.js';
import { checkEcho, checkStream } from './checks.js';
import { echoAim, renderRealtimeMarkdown, summariseEcho, summariseMemory, type RealtimeReport } from './report.js';
import { echoOnce, memoryOnce, openFileLimit, portOf, startClient, startRealtimeServer, type EchoRun, type MemoryRun } from './runs.js';
import { echoTargets, sseTargets } from './targets.js';

const benchRoot = fileURLToPath(new URL('../../', import.meta.url));
const log = (line: string) => process.stdout.write(`${line}\n`);

const usage = `Usage: npm run realtime -w benchmarks -- [options]

  --connections <n>    WebSockets of each echo run (default 100)
  --seconds <s>        measured seconds of each echo run (default 5)
  --warmup <s>         seconds of echo load on each server before its first round (default 3)
  --rounds <n>         alternating echo rounds; figures are medians (default 5)
  --idle <n>           idle connections of each memory run (default 10000; capped by the open-file limit)
  --memory-rounds <n>  rounds of the memory measure (default 3)
  --no-echo / --no-memory   skip one of the two
  --busy-retries <n>   measure an echo run again when others took > 20% of a core (default 1)
  --cpu-prof           write a .cpuprofile of each echo server to <out>/profiles/ (slower: not a measurement)
  --out <dir>          report directory (default benchmarks/results)
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string' },
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      idle: { type: 'string' },
      'memory-rounds': { type: 'string' },
      'no-echo': { type: 'boolean' },
      'no-memory': { type: 'boolean' },
      'busy-retries': { type: 'string' },
      'cpu-prof': { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    log(usage);
    return 0;
  }
  let o: { connections: number; seconds: number; warmup: number; rounds: number; idle: number; memoryRounds: number; busyRetries: number };
  try {
    o = {
      connections: integerOption('connections', values.connections, 100),
      seconds: integerOption('seconds', values.seconds, 5),
      warmup: integerOption('warmup', values.warmup, 3, 0),
      rounds: integerOption('rounds', values.rounds, 5),
      idle: integerOption('idle', values.idle, 10_000),
      memoryRounds: integerOption('memory-rounds', values['memory-rounds'], 3),
      busyRetries: integerOption('busy-retries', values['busy-retries'], 1, 0),
    };
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage}`);
    return 2;
  }
  // Each process holds one descriptor per connection (the server and the load
  // process alike, and both inherit this limit): keep a margin for everything else.
  const fileLimit = openFileLimit();
  const idle = Math.min(o.idle, fileLimit - 500);
  if (idle < o.idle) log(`open-file limit ${fileLimit} (ulimit -n): holding ${idle} idle connections instead of ${o.idle}`);
  if (idle < 100) {
    process.stderr.write(`the open-file limit (${fileLimit}) leaves too few descriptors for the memory measure\n`);
    return 2;
  }
  killChildrenOnSignals();
  const out = resolve(process.env['INIT_CWD'] ?? process.cwd(), values.out ?? join(benchRoot, 'results'));
  const serverCpu = canPin() ? 0 : undefined;
  const serverOptions = { cpu: serverCpu, cpuProfDir: values['cpu-prof'] ? join(out, 'profiles') : undefined };
  const started = Date.now();
  const client = await startClient(canPin() ? 1 : undefined);
  const echoRuns: EchoRun[] = [];
  const memoryRuns: MemoryRun[] = [];
  let failed = false;
  try {
    if (!values['no-echo']) {
      log(`echo: ${echoTargets.map((t) => t.id).join(', ')}; ${o.rounds} rounds of ${o.seconds} s, ${o.connections} connections`);
      const servers = new Map<string, RunningServer>();
      try {
        for (const target of echoTargets) {
          const server = await startRealtimeServer(target, { ...serverOptions, cpuProfDir: serverOptions.cpuProfDir });
          servers.set(target.id, server);
          const problem = await checkEcho(portOf(server));
          if (problem) throw new Error(`${target.id} does not echo: ${problem}`);
          if (o.warmup > 0) await client.run({ cmd: 'echo', port: portOf(server), serverPid: server.pid, connections: o.connections, warmupSeconds: 0, seconds: o.warmup });
        }
        for (let round = 1; round <= o.rounds; round++) {
          // Alternate the order, so that no target always runs first or after the same neighbour.
          const order = round % 2 === 1 ? echoTargets : [...echoTargets].reverse();
          for (const target of order) {
            const run = await echoOnce(client, servers.get(target.id)!, target, round, { connections: o.connections, warmupSeconds: 1, seconds: o.seconds, busyRetries: o.busyRetries, quietMs: 10_000 });
            echoRuns.push(run);
            failed ||= run.error !== undefined;
            log(`round ${round} ${target.id.padEnd(8)} ${run.error ? `ERROR ${run.error}` : `${Math.round(run.messagesPerSecond!).toLocaleString('en-US').padStart(8)} msg/s  server ${run.serverCpuMicrosPerMessage!.toFixed(1)} µs/msg at ${run.serverCpuPercent!.toFixed(0)}% cpu; others ${run.otherCpuPercent!.toFixed(0)}%`}`);
          }
        }
      } finally {
        await Promise.all([...servers.values()].map((s) => s.stop()));
      }
    }
    if (!values['no-memory']) {
      const plan = [...echoTargets.map((t) => ({ kind: 'ws' as const, target: t })), ...sseTargets.map((t) => ({ kind: 'sse' as const, target: t }))];
      log(`\nmemory: ${idle.toLocaleString('en-US')} idle connections, ${o.memoryRounds} rounds: ${plan.map((p) => `${p.kind}:${p.target.id}`).join(', ')}`);
      for (const { kind, target } of plan) {
        const server = await startRealtimeServer(target, { cpu: serverCpu });
        const problem = await (kind === 'ws' ? checkEcho : checkStream)(portOf(server));
        await server.stop();
        if (problem) throw new Error(`${target.id} (${kind}) fails its check: ${problem}`);
      }
      for (let round = 1; round <= o.memoryRounds; round++) {
        const order = round % 2 === 1 ? plan : [...plan].reverse();
        for (const { kind, target } of order) {
          const run = await memoryOnce(client, kind, target, round, idle, { cpu: serverCpu }, 10_000);
          memoryRuns.push(run);
          failed ||= run.error !== undefined;
          log(`round ${round} ${kind.padEnd(3)} ${target.id.padEnd(9)} ${run.rssPerConnection === undefined ? `ERROR ${run.error}` : `${run.opened} open in ${run.openSeconds!.toFixed(1)} s: RSS ${Math.round(run.rssPerConnection)} B/conn, heap ${Math.round(run.heapPerConnection!)} B/conn, external ${Math.round(run.externalPerConnection!)} B/conn; others ${run.otherCpuPercent!.toFixed(0)}%${run.error ? ` (${run.error})` : ''}`}`);
        }
      }
    }
  } finally {
    await client.stop();
  }

  const echo = summariseEcho(echoRuns);
  const report: RealtimeReport = {
    generatedAt: new Date().toISOString(),
    command: `npm run realtime -w benchmarks${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    commit: commitDescription(['core'], 'fastts'),
    machine: machine(),
    pinned: canPin(),
    options: { connections: o.connections, seconds: o.seconds, warmupSeconds: o.warmup, rounds: o.rounds, idle, idleRequested: o.idle, openFileLimit: fileLimit, memoryRounds: o.memoryRounds },
    elapsedSeconds: (Date.now() - started) / 1000,
    echo,
    memory: summariseMemory(memoryRuns),
    aim: echoAim(echo),
    echoRuns,
    memoryRuns,
  };
  const markdown = renderRealtimeMarkdown(report);
  mkdirSync(out, { recursive: true });
  // As the other runners: only a run of everything with the defaults replaces the committed report.
  const full = process.argv.length === 2 || (process.argv.length === 3 && process.argv[2] === '--');
  const name = full ? 'realtime' : `realtime-partial-${report.generatedAt.replace(/[:.]/g, '-')}`;
  writeFileSync(join(out, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(out, `${name}.md`), markdown);
  log(`\n${markdown}`);
  log(`report: ${join(out, `${name}.md`)} (+ .json)`);
  return failed ? 1 : 0;
}

process.exitCode = await main();
