import { parseArgs } from 'node:util';
import { scenarios, type Scenario } from './scenarios.js';
import { targets, type Target } from './targets.js';

export interface BenchOptions {
  /** Seconds of each measured run. */
  duration: number;
  /** Seconds of load on each new server before its first measured run, not recorded. */
  warmup: number;
  rounds: number;
  connections: number;
  targets: Target[];
  scenarios: Scenario[];
  /** Core for the servers, core for the load generator. */
  serverCpu: number;
  loadCpu: number;
  loadGenerator: 'wrk' | 'autocannon' | undefined;
  /** Times a run disturbed by other processes is measured again. */
  busyRetries: number;
  /** Write .cpuprofile files of the servers under results/profiles. */
  cpuProf: boolean;
  /** Where the reports go. */
  out: string;
}

export const usage = `Usage: npm run bench -- [options]

  --duration <s>      seconds of each measured run (default 3)
  --warmup <s>        seconds of load on each new server before its first run (default 2)
  --rounds <n>        alternating rounds; ratios are medians over them (default 6)
  --connections <n>   open connections (default 50)
  --targets <a,b>     ${targets.map((t) => t.id).join(',')} (default: all)
  --scenarios <a,b>   ${scenarios.map((s) => s.id).join(',')} (default: all)
  --server-cpu <n>    core the servers are pinned to (default 0)
  --load-cpu <n>      core the load generator is pinned to (default 1)
  --load-generator <wrk|autocannon>   default: wrk when installed
  --busy-retries <n>  measure a run again, up to n times, when other processes
                      used more than 20% of a core during it (default 2)
  --cpu-prof          also write a .cpuprofile per server run to results/profiles/
  --out <dir>         report directory (default benchmarks/results)
`;

function pick<T extends { id: string }>(kind: string, all: T[], list: string | undefined): T[] {
  if (!list) return all;
  const ids = list.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = ids.filter((id) => !all.some((item) => item.id === id));
  if (unknown.length > 0) throw new Error(`unknown ${kind}: ${unknown.join(', ')} (known: ${all.map((i) => i.id).join(', ')})`);
  // Keep the canonical order, so raw stays first and reports read the same way.
  return all.filter((item) => ids.includes(item.id));
}

function positive(name: string, value: string | undefined, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
  return n;
}

/** An integer option of the benchmark scripts (`npm run tasks`, `tasks-redis`, `realtime`): at least `least`, else a clear error. */
export function integerOption(name: string, value: string | undefined, fallback: number, least = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < least) throw new Error(`--${name} must be an integer ≥ ${least}, got ${value}`);
  return n;
}

export function parseOptions(argv: string[], defaultOut: string): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      targets: { type: 'string' },
      scenarios: { type: 'string' },
      'server-cpu': { type: 'string' },
      'load-cpu': { type: 'string' },
      'load-generator': { type: 'string' },
      'busy-retries': { type: 'string' },
      'cpu-prof': { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const loadGenerator = values['load-generator'];
  if (loadGenerator !== undefined && loadGenerator !== 'wrk' && loadGenerator !== 'autocannon') throw new Error('--load-generator must be wrk or autocannon');
  return {
    duration: positive('duration', values.duration, 3),
    warmup: values.warmup === '0' ? 0 : positive('warmup', values.warmup, 2),
    rounds: positive('rounds', values.rounds, 6, true),
    connections: positive('connections', values.connections, 50, true),
    targets: pick('targets', targets, values.targets),
    scenarios: pick('scenarios', scenarios, values.scenarios),
    serverCpu: values['server-cpu'] === undefined ? 0 : Number(values['server-cpu']),
    loadCpu: values['load-cpu'] === undefined ? 1 : Number(values['load-cpu']),
    loadGenerator,
    busyRetries: values['busy-retries'] === '0' ? 0 : positive('busy-retries', values['busy-retries'], 2, true),
    cpuProf: values['cpu-prof'] ?? false,
    out: values.out ?? defaultOut,
  };
}
