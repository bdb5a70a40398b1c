// `npm run bench`: checks every target, then measures it in alternating
// rounds, one fresh server per run, and writes results/latest.{md,json}.
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SLOW_TASK_MS } from '../shared/tasks.js';
import { coreBuildId } from './build-id.js';
import { checkServer } from './checks.js';
import { otherCpuPercent, snapshotCpu, waitForQuiet } from './interference.js';
import { pickLoadGenerator, type LoadGenerator } from './loadgen.js';
import { commitDescription, machine } from './machine.js';
import { parseOptions, usage, type BenchOptions } from './options.js';
import { canPin, killChildrenOnSignals, processTree, spawnPinned, startServer, type RunningServer } from './processes.js';
import { BUSY_PERCENT, evaluateGoals, renderMarkdown, summarise, type CorrectnessRecord, type Report, type RunRecord } from './report.js';
import { scenarios as allScenarios, type Scenario } from './scenarios.js';
import { BASELINE, inMeasureOrder, scenarioFor, servesScenario, targets as allTargets, type Target } from './targets.js';

const benchRoot = fileURLToPath(new URL('../../', import.meta.url));
const exitOnSignal = fileURLToPath(new URL('./exit-on-signal.js', import.meta.url));
const drainScript = fileURLToPath(new URL('../tasks/drain.js', import.meta.url));
/** Waiting for a quiet second, start-up, readiness probe and shutdown of one server, for the time estimate. */
// Seconds around each measured run (wrk start, reading counters), and to start one server.
const RUN_OVERHEAD_S = 0.5;
const START_S = 1.5;
/** Past this multiple of the planned time, no more waiting for quiet or measuring again. */
const BUDGET = 1.3;
const CHECK_S = 3;
/** How long a run's background tasks may take to finish after it (durable ones are worked off from a SQLite file). */
const TASKS_DRAIN_MS = 30_000;

const log = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<number> {
  let options: BenchOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2), join(benchRoot, 'results'));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage}`);
    return 2;
  }
  if (options === 'help') {
    log(usage);
    return 0;
  }
  killChildrenOnSignals();
  const out = resolve(process.env['INIT_CWD'] ?? process.cwd(), options.out);
  const generator = pickLoadGenerator(options.loadGenerator);
  const pinned = canPin() && cpus().length > Math.max(options.serverCpu, options.loadCpu);
  const started = Date.now();

  const servers = options.scenarios.reduce((n, s) => n + options.targets.filter((t) => servesScenario(t, s.id)).length, 0);
  const runCount = options.rounds * servers;
  const planned = options.targets.length * CHECK_S + servers * (START_S + options.warmup) + runCount * (options.duration + RUN_OVERHEAD_S);
  log(`fastts benchmarks with ${generator.version}${generator.name === 'autocannon' ? ' (fallback: wrk is not installed)' : ''}`);
  log(`targets:   ${options.targets.map((t) => t.id).join(', ')}`);
  log(`scenarios: ${options.scenarios.map((s) => s.id).join(', ')}`);
  log(
    `plan: ${options.rounds} rounds × ${servers} servers (scenarios × the targets measured in each) = ${runCount} runs of ` +
      `${options.duration} s, ${options.connections} connections; one server per target and scenario, warmed up for ${options.warmup} s`,
  );
  log(pinned ? `pinning: servers on core ${options.serverCpu}, ${generator.name} on core ${options.loadCpu}` : 'pinning: none (needs taskset and 2 cores)');
  log(`planned time: about ${formatDuration(planned)} on a quiet machine; on a busy one, waiting for quiet and measuring again stop at ${formatDuration(planned * BUDGET)}\n`);
  if (generator.name === 'autocannon') log('WARNING: autocannon runs in one JS thread and may saturate before the servers do; install wrk for real numbers.\n');

  const correctness = await checkAll(options.targets, pinned ? options.serverCpu : undefined);
  const measured = inMeasureOrder(options.targets.filter((t) => correctness[t.id]!.ok));
  const warnings: string[] = [];
  for (const t of options.targets) if (!correctness[t.id]!.ok) warnings.push(`${t.id} failed the correctness check and was not measured.`);
  if (options.targets.some((t) => t.id === BASELINE) && !measured.some((t) => t.id === BASELINE)) warnings.push('raw failed its check: no ratios.');

  const runs: RunRecord[] = [];
  const total = options.rounds * options.scenarios.reduce((n, s) => n + measured.filter((t) => servesScenario(t, s.id)).length, 0);
  const runStarted = Date.now();
  for (const scenario of options.scenarios) {
    // One fresh server per target serves every round of the scenario, each
    // warmed up first; the rounds then alternate between servers that are
    // all ready, so targets compared in the same round run seconds apart.
    const servers = await startAll(options, pinned, measured.filter((t) => servesScenario(t, scenario.id)), scenario, out, warnings);
    for (const [id, error] of servers.failed) {
      for (let round = 1; round <= options.rounds; round++) runs.push({ round, scenario: scenario.id, target: id, position: 0, peakRssKiB: Number.NaN, error });
      warnings.push(`${scenario.id}, ${id}: ${error.split('\n')[0]}`);
    }
    const ready = measured.filter((t) => servers.started.has(t.id));
    for (const target of ready) {
      const load = { url: servers.started.get(target.id)!.url, scenario: scenarioFor(target, scenario), connections: options.connections, cpu: pinned ? options.loadCpu : undefined };
      if (options.warmup > 0) await generator.run({ ...load, seconds: options.warmup });
      // Durable tasks of the warm-up may still be running: they must not load the first measured run.
      if (scenario.background) await waitForTasks(load.url, target, Number.POSITIVE_INFINITY);
      if (target.durableTasks === 'store') await workOffStored(load.url, pinned ? options.serverCpu : undefined);
    }
    for (let round = 1; round <= options.rounds; round++) {
      // A B C … then … C B A: each target's mean position is the same, so a
      // machine that speeds up or slows down during a round favours none.
      const order = round % 2 === 1 ? ready : [...ready].reverse();
      for (const [position, target] of order.entries()) {
        const server = servers.started.get(target.id)!;
        const withinBudget = () => (Date.now() - started) / 1000 < planned * BUDGET;
        const attempt = async () => {
          // Other processes (tests, builds) come in bursts: let a burst pass before measuring.
          if (withinBudget()) await waitForQuiet(BUSY_PERCENT, 10_000);
          return measure(options, generator, pinned, server, target, scenario, round, position);
        };
        let run = await attempt();
        if (run.error) {
          // The shared machine stalls now and then; one failed run is retried once, and said so.
          warnings.push(`round ${round}, ${scenario.id}, ${target.id}: retried after ${run.error.split('\n')[0]}.`);
          run = await attempt();
        }
        // A run that other processes disturbed is measured again (after a pause), keeping the least disturbed.
        for (let retry = 1; retry <= options.busyRetries && !run.error && (run.otherCpuPercent ?? 0) > BUSY_PERCENT && withinBudget(); retry++) {
          log(`        busy machine (others ${Math.round(run.otherCpuPercent!)}% cpu): measuring ${target.id} ${scenario.id} again`);
          const again = await attempt();
          if (!again.error && (again.otherCpuPercent ?? 0) < (run.otherCpuPercent ?? 0)) run = again;
          run.remeasured = retry;
        }
        runs.push(run);
        const done = runs.length;
        const eta = ((Date.now() - runStarted) / done) * (total - done);
        log(`[${String(done).padStart(String(total).length)}/${total}] round ${round} ${scenario.id.padEnd(10)} ${target.id.padEnd(8)} ${describeRun(run)}  (left: ${formatDuration(eta / 1000)})`);
        if (run.error) warnings.push(`round ${round}, ${scenario.id}, ${target.id}: ${run.error.split('\n')[0]}`);
        const r = run.result;
        if (r && r.non2xx > 0) warnings.push(`round ${round}, ${scenario.id}, ${target.id}: ${r.non2xx} responses were not 2xx.`);
        if (r && r.socketErrors > 0) warnings.push(`round ${round}, ${scenario.id}, ${target.id}: ${r.socketErrors} socket errors or timeouts.`);
        if (run.backgroundTasks && !run.backgroundTasks.ok) {
          warnings.push(`round ${round}, ${scenario.id}, ${target.id}: ${run.backgroundTasks.counted} background tasks ran for ${run.backgroundTasks.responses} responses.`);
        }
      }
    }
    await Promise.all([...servers.started.values()].map((server) => server.stop()));
  }

  const remeasured = runs.filter((r) => r.remeasured).length;
  const disturbed = runs.filter((r) => (r.otherCpuPercent ?? 0) > BUSY_PERCENT).length;
  if (remeasured > 0 || disturbed > 0) {
    warnings.push(
      `${remeasured} of ${runs.length} runs were measured again because other processes were busy; ` +
        `${disturbed} stayed disturbed (marked * under "Every round").`,
    );
  }

  const builds = [...new Set(runs.filter((r) => r.target === 'fastts').map((r) => r.coreBuild))];
  if (builds.length > 1) {
    warnings.push(
      `@fastts/core was rebuilt while the benchmark ran (${builds.length} builds: ${builds.join(', ')}; each run's \`coreBuild\` is in latest.json): ` +
        'the fastts rows mix versions.',
    );
  }

  const summary = summarise(runs, allScenarios.filter((s) => options.scenarios.includes(s)), allTargets.filter((t) => measured.includes(t)));
  const report: Report = {
    generatedAt: new Date().toISOString(),
    // fastts-durable also runs @fastts/tasks and @fastts/tasks-sqlite.
    commit: options.targets.some((t) => t.durableTasks) ? commitDescription(['core', 'tasks', 'tasks-sqlite'], 'fastts') : commitDescription(['core'], 'core'),
    machine: machine(),
    loadGenerator: generator.version,
    pinned: pinned ? { server: options.serverCpu, load: options.loadCpu } : null,
    options: {
      duration: options.duration,
      warmup: options.warmup,
      rounds: options.rounds,
      connections: options.connections,
      targets: options.targets.map((t) => t.id),
      scenarios: options.scenarios.map((s) => s.id),
    },
    elapsedSeconds: (Date.now() - started) / 1000,
    correctness,
    summary,
    goals: evaluateGoals(runs, summary),
    warnings,
    runs,
  };
  const markdown = renderMarkdown(report, allScenarios, allTargets);
  const complete = options.targets.length === allTargets.length && options.scenarios.length === allScenarios.length;
  const stamp = report.generatedAt.replace(/[:.]/g, '-');
  mkdirSync(out, { recursive: true });
  const names = complete ? [stamp, 'latest'] : [`partial-${stamp}`];
  for (const name of names) {
    writeFileSync(join(out, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(out, `${name}.md`), markdown);
  }
  log(`\n${markdown}`);
  log(`report: ${names.map((n) => join(out, `${n}.md`)).join(', ')} (+ .json)${complete ? '' : ' — a partial run leaves latest.md alone'}`);
  const failed = options.targets.length - measured.length;
  if (failed > 0) process.stderr.write(`\nFAILED: ${failed} target(s) failed the correctness check; see the report.\n`);
  return failed > 0 || runs.some((r) => r.error) ? 1 : 0;
}

/** The correctness check of every target, each on a fresh server; a failure is loud and keeps the target from being measured. */
async function checkAll(targets: Target[], cpu: number | undefined): Promise<Record<string, CorrectnessRecord>> {
  const records: Record<string, CorrectnessRecord> = {};
  for (const target of targets) {
    let server: RunningServer | undefined;
    try {
      server = await startServer(target.file, { cpu, env: target.env });
      const failures = await checkServer(target, server.url);
      records[target.id] = { ok: failures.length === 0, failures };
    } catch (err) {
      records[target.id] = { ok: false, failures: [], error: (err as Error).message };
    } finally {
      await server?.stop();
    }
    const record = records[target.id]!;
    if (record.ok) {
      log(`check ${target.id.padEnd(8)} passed`);
    } else {
      process.stderr.write(`\nCORRECTNESS CHECK FAILED for ${target.id}; it will not be measured:\n`);
      if (record.error) process.stderr.write(`  ${record.error}\n`);
      for (const f of record.failures) process.stderr.write(`  - ${f.check}: ${f.message}\n`);
      process.stderr.write('\n');
    }
  }
  log('');
  return records;
}

/** Starts one server per target for a scenario (pinned, and profiled with --cpu-prof). */
async function startAll(
  options: BenchOptions,
  pinned: boolean,
  targets: Target[],
  scenario: Scenario,
  out: string,
  warnings: string[],
): Promise<{ started: Map<string, RunningServer>; failed: Map<string, string> }> {
  const started = new Map<string, RunningServer>();
  const failed = new Map<string, string>();
  for (const target of targets) {
    const nodeArgs = options.cpuProf
      ? ['--cpu-prof', `--cpu-prof-dir=${join(out, 'profiles')}`, `--cpu-prof-name=${target.id}-${scenario.id}.cpuprofile`, '--import', exitOnSignal]
      : [];
    try {
      started.set(target.id, await startServer(target.file, { cpu: pinned ? (target.cpus ?? options.serverCpu) : undefined, nodeArgs, env: target.env }));
    } catch (err) {
      failed.set(target.id, (err as Error).message);
    }
  }
  if (failed.size > 0) warnings.push(`${scenario.id}: ${failed.size} server(s) did not start.`);
  return { started, failed };
}

/** One measured run of a warm server. */
async function measure(
  options: BenchOptions,
  generator: LoadGenerator,
  pinned: boolean,
  server: RunningServer,
  target: Target,
  scenario: Scenario,
  round: number,
  position: number,
): Promise<RunRecord> {
  const run: RunRecord = { round, scenario: scenario.id, target: target.id, position, peakRssKiB: Number.NaN };
  try {
    run.coreBuild = coreBuildId();
    const load = { url: server.url, scenario: scenarioFor(target, scenario), connections: options.connections, cpu: pinned ? options.loadCpu : undefined };
    const before = scenario.background ? await taskCount(server.url, target) : 0;
    const cpuBefore = snapshotCpu();
    const measuredFrom = performance.now();
    run.result = await generator.run({ ...load, seconds: options.duration });
    run.otherCpuPercent = otherCpuPercent(cpuBefore, snapshotCpu(), [...processTree(server.pid), process.pid], (performance.now() - measuredFrom) / 1000);
    run.peakRssKiB = server.peakRssKiB();
    if (run.result.requests === 0) throw new Error('no response in the measured run');
    if (scenario.background) {
      // A refused request (503 from a full task queue) added no task.
      const responses = run.result.requests - run.result.non2xx;
      const counted = (await waitForTasks(server.url, target, before + responses)) - before;
      run.backgroundTasks = { responses, counted, ok: counted >= responses };
      if (target.durableTasks === 'store') await workOffStored(server.url, pinned ? options.serverCpu : undefined);
    }
  } catch (err) {
    run.error = (err as Error).message;
  }
  return run;
}

/**
 * The task count once the run's tasks have had time to finish: at least 200 ms
 * (the slow task ends 50 ms after its response), then until the count reaches
 * `expected`, or stops growing, or TASKS_DRAIN_MS pass. A durable task is
 * worked off from its file after the response, so a run can leave a backlog,
 * which must not load the next target's run.
 */
async function waitForTasks(url: string, target: Target, expected: number): Promise<number> {
  await sleep(SLOW_TASK_MS * 4);
  const deadline = Date.now() + TASKS_DRAIN_MS;
  let count = await taskCount(url, target);
  while (count < expected && Date.now() < deadline) {
    await sleep(100);
    const next = await taskCount(url, target);
    if (next === count) break;
    count = next;
  }
  return count;
}

/**
 * Runs the tasks a `store` server left queued in its file, in a worker process
 * (dist/tasks/drain.js) on the server's core, then waits until the server no
 * longer follows them: it polls the states of every task it added and has not
 * seen finish, so a backlog kept over the rounds would cost it, and the other
 * servers of the scenario, more CPU each round.
 */
async function workOffStored(url: string, cpu: number | undefined): Promise<void> {
  const stats = async () => (await (await fetch(`${url}/bg-durable/stats`, { signal: AbortSignal.timeout(10_000) })).json()) as { path: string; waiting: number };
  const worker = spawnPinned(cpu, process.execPath, [drainScript, (await stats()).path], { stdio: 'ignore' });
  const timer = setTimeout(() => worker.kill('SIGKILL'), TASKS_DRAIN_MS);
  await once(worker, 'exit');
  clearTimeout(timer);
  const deadline = Date.now() + TASKS_DRAIN_MS;
  while ((await stats()).waiting > 0 && Date.now() < deadline) await sleep(100);
}

/** Tasks run (GET /bg-count), or, for a server that only stores durable tasks, tasks stored and waiting in its file. */
async function taskCount(url: string, target: Target): Promise<number> {
  if (target.durableTasks !== 'store') return bgCount(url);
  const res = await fetch(`${url}/bg-durable/stats`, { signal: AbortSignal.timeout(5000) });
  return ((await res.json()) as { queued: number }).queued;
}

async function bgCount(url: string): Promise<number> {
  const res = await fetch(`${url}/bg-count`, { signal: AbortSignal.timeout(5000) });
  return ((await res.json()) as { count: number }).count;
}

function describeRun(run: RunRecord): string {
  if (run.error || !run.result) return `ERROR ${run.error?.split('\n')[0] ?? ''}`;
  const r = run.result;
  return (
    `${Math.round(r.rps).toLocaleString('en-US').padStart(7)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  ` +
    `rss ${(run.peakRssKiB / 1024).toFixed(1)} MB  others ${Math.round(run.otherCpuPercent ?? 0)}% cpu`
  );
}

function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s` : `${s} s`;
}

process.exitCode = await main();
