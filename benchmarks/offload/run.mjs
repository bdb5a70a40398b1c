#!/usr/bin/env node
// Does offload keep requests fast while CPU tasks run? One command:
//
//   npx turbo run build --filter=@fastts/tasks... && node benchmarks/offload/run.mjs
//
// For each target (idle: no tasks; offload: CPU tasks of TASK_MS back to back
// on worker threads; inline: the same tasks on the event loop) it starts
// server.mjs in its own process, warms up, then sends GET /ping at a fixed
// rate over keep-alive connections and measures each response's latency. The
// rate is fixed (an open loop), so requests that arrive while the event loop
// is blocked wait, and their wait is counted, as a user's would be.
//
// Options: --duration=10 (seconds per target), --rate=200 (requests/s),
// --task-ms=200, --threads=N (worker threads; default: cores - 1), --json.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')).map(([k, v]) => [k, v ?? 'true']));
const durationS = Number(args.duration ?? 10);
const rate = Number(args.rate ?? 200);
const taskMs = Number(args['task-ms'] ?? 200);
const threads = args.threads;
const warmupMs = 1500;

for (const pkg of ['core', 'tasks']) {
  if (!existsSync(fileURLToPath(new URL(`../../packages/${pkg}/dist/index.js`, import.meta.url)))) {
    console.error(`packages/${pkg} is not built: run \`npx turbo run build --filter=@fastts/tasks...\` first`);
    process.exit(1);
  }
}

function start(mode) {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./server.mjs', import.meta.url))], {
    env: { ...process.env, MODE: mode, TASK_MS: String(taskMs), ...(threads ? { THREADS: threads } : {}) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = [];
  const waiters = [];
  let buffer = '';
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = JSON.parse(buffer.slice(0, i));
      buffer = buffer.slice(i + 1);
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  const next = () => (lines.length ? Promise.resolve(lines.shift()) : new Promise((resolve) => waiters.push(resolve)));
  return { child, next };
}

function get(agent, port) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request({ agent, host: '127.0.0.1', port, path: '/ping' }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends `rate` requests per second for `ms`, on schedule whatever the answers do; resolves with every latency. */
async function load(port, ms) {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const latencies = [];
  const pending = [];
  const interval = 1000 / rate;
  const begin = performance.now();
  for (let i = 0; performance.now() - begin < ms; i++) {
    pending.push(get(agent, port).then((latency) => latencies.push(latency)));
    const due = begin + (i + 1) * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  await Promise.all(pending);
  agent.destroy();
  return latencies;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function measure(mode) {
  const { child, next } = start(mode);
  const ready = await next();
  await load(ready.port, warmupMs);
  const latencies = (await load(ready.port, durationS * 1000)).sort((a, b) => a - b);
  child.stdin.write('stop\n');
  const { completed } = await next();
  await new Promise((resolve) => child.once('exit', resolve));
  return {
    mode,
    requests: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1),
    tasksCompleted: completed,
    parallel: ready.parallel,
  };
}

const results = [];
for (const mode of ['idle', 'offload', 'inline']) results.push(await measure(mode));
const idle = results[0].p99;

if (args.json) {
  console.log(JSON.stringify({ durationS, rate, taskMs, cores: availableParallelism(), node: process.version, results }, null, 2));
} else {
  const ms = (v) => `${v.toFixed(2)} ms`;
  console.log(`GET /ping at ${rate} req/s for ${durationS} s per target; CPU tasks of ${taskMs} ms back to back; ${availableParallelism()} cores; node ${process.version}\n`);
  console.log('target    tasks done   p50         p99         max          p99 / idle p99');
  for (const r of results) {
    const tasks = r.mode === 'idle' ? '-' : `${r.tasksCompleted} (${r.parallel} at a time)`;
    console.log(`${r.mode.padEnd(9)} ${tasks.padEnd(12)} ${ms(r.p50).padEnd(11)} ${ms(r.p99).padEnd(11)} ${ms(r.max).padEnd(12)} ${(r.p99 / idle).toFixed(2)}x`);
  }
  const offload = results[1].p99 / idle;
  console.log(`\noffload p99 is ${offload.toFixed(2)}x idle (goal: within 2x); inline p99 is ${(results[2].p99 / idle).toFixed(1)}x idle.`);
}
