import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { spawnPinned } from './processes.js';
import type { Scenario } from './scenarios.js';

/** What one load-generator run measured. */
export interface LoadResult {
  /** Responses received. */
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  /** Responses that were not 2xx/3xx. */
  non2xx: number;
  /** Connect, read, write errors and timeouts. */
  socketErrors: number;
}

export interface LoadOptions {
  url: string;
  scenario: Scenario;
  seconds: number;
  connections: number;
  /** Core to pin the load generator to. */
  cpu?: number;
}

export interface LoadGenerator {
  name: string;
  version: string;
  run(options: LoadOptions): Promise<LoadResult>;
}

const luaScript = fileURLToPath(new URL('../../lua/bench.lua', import.meta.url));

/** wrk if it is installed, else autocannon (the fallback: one JS thread, it saturates long before wrk does). */
export function pickLoadGenerator(preferred: 'wrk' | 'autocannon' | undefined): LoadGenerator {
  const wrkVersion = installedWrk();
  if (preferred !== 'autocannon' && wrkVersion) return wrk(wrkVersion);
  if (preferred === 'wrk') throw new Error('wrk is not installed: run `npm run setup -w benchmarks` (apt-get install -y wrk)');
  return autocannon();
}

/** `wrk 4.1.0`, or undefined when wrk is not installed. */
function installedWrk(): string | undefined {
  const result = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  if (result.error) return undefined;
  return /wrk \S+/.exec(`${result.stdout}${result.stderr}`)?.[0] ?? 'unknown version';
}

async function collect(cpu: number | undefined, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawnPinned(cpu, command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${command} exited with ${code}: ${stderr || stdout}`);
  return stdout;
}

function wrk(version: string): LoadGenerator {
  return {
    name: 'wrk',
    version,
    async run({ url, scenario, seconds, connections, cpu }) {
      // One thread: wrk gets one core to itself, the server the other.
      const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', luaScript, url + scenario.path];
      const headers = Object.entries(scenario.headers ?? {}).map(([name, value]) => `${name}: ${value}`).join('\n');
      const out = await collect(cpu, 'wrk', args, { WRK_METHOD: scenario.method, WRK_BODY: scenario.body ?? '', WRK_HEADERS: headers });
      const line = out.split('\n').find((l) => l.startsWith('BENCH_JSON '));
      if (!line) throw new Error(`wrk printed no BENCH_JSON line:\n${out}`);
      const r = JSON.parse(line.slice('BENCH_JSON '.length)) as {
        requests: number;
        duration_us: number;
        errors: Record<'connect' | 'read' | 'write' | 'status' | 'timeout', number>;
        latency_us: Record<'p50' | 'p90' | 'p99' | 'mean' | 'max', number>;
      };
      const secs = r.duration_us / 1e6;
      return {
        requests: r.requests,
        seconds: secs,
        rps: r.requests / secs,
        p50Ms: r.latency_us.p50 / 1000,
        p90Ms: r.latency_us.p90 / 1000,
        p99Ms: r.latency_us.p99 / 1000,
        meanMs: r.latency_us.mean / 1000,
        maxMs: r.latency_us.max / 1000,
        non2xx: r.errors.status,
        socketErrors: r.errors.connect + r.errors.read + r.errors.write + r.errors.timeout,
      };
    },
  };
}

function autocannon(): LoadGenerator {
  const require = createRequire(import.meta.url);
  const pkg = require('autocannon/package.json') as { version: string; bin: Record<string, string> };
  const bin = fileURLToPath(new URL(pkg.bin['autocannon']!, `file://${require.resolve('autocannon/package.json')}`));
  return {
    name: 'autocannon',
    version: `autocannon ${pkg.version}`,
    async run({ url, scenario, seconds, connections, cpu }) {
      const args = [bin, '-j', '-c', String(connections), '-d', String(seconds), '-m', scenario.method];
      if (scenario.body) args.push('-H', 'content-type=application/json', '-b', scenario.body);
      for (const [name, value] of Object.entries(scenario.headers ?? {})) args.push('-H', `${name}=${value}`);
      args.push(url + scenario.path);
      const r = JSON.parse(await collect(cpu, process.execPath, args, {})) as {
        duration: number;
        requests: { total: number };
        latency: { p50: number; p90: number; p99: number; average: number; max: number };
        non2xx: number;
        errors: number;
        timeouts: number;
      };
      return {
        requests: r.requests.total,
        seconds: r.duration,
        rps: r.requests.total / r.duration,
        p50Ms: r.latency.p50,
        p90Ms: r.latency.p90,
        p99Ms: r.latency.p99,
        meanMs: r.latency.average,
        maxMs: r.latency.max,
        non2xx: r.non2xx,
        socketErrors: r.errors + r.timeouts,
      };
    },
  };
}
