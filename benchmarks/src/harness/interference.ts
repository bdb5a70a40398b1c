import { readdirSync, readFileSync } from 'node:fs';

// The machine is shared: other processes (test runs, builds, browsers) take
// CPU from the server or the load generator while they are measured. This
// measures how much, so the report can show which runs were disturbed.

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux build node supports

/** CPU time (utime + stime, in ticks) of every user-space process, by pid. */
export type CpuSnapshot = Map<number, number>;

export function snapshotCpu(): CpuSnapshot {
  const snapshot: CpuSnapshot = new Map();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return snapshot;
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name, which may itself hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Kernel threads (children of kthreadd, pid 2) are left out: loopback
      // traffic makes ksoftirqd busy, and that is the benchmark's own load.
      if (pid === 2 || fields[1] === '2') continue;
      snapshot.set(pid, Number(fields[11]) + Number(fields[12]));
    } catch {
      // Exited between readdir and read.
    }
  }
  return snapshot;
}

/**
 * CPU used between two snapshots by processes other than `ours`, in percent
 * of one core over `seconds`. Processes that started and ended in between
 * are missed, so it can only under-count.
 */
export function otherCpuPercent(before: CpuSnapshot, after: CpuSnapshot, ours: number[], seconds: number): number {
  let ticks = 0;
  for (const [pid, total] of after) {
    if (ours.includes(pid)) continue;
    ticks += total - (before.get(pid) ?? 0);
  }
  return seconds > 0 ? (ticks / TICKS_PER_SECOND / seconds) * 100 : 0;
}

/**
 * Waits, one second at a time, until other processes use at most `percent`
 * of a core, for at most `maxMs`. Resolves with the last second's figure.
 */
export async function waitForQuiet(percent: number, maxMs: number): Promise<number> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const before = snapshotCpu();
    const from = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const busy = otherCpuPercent(before, snapshotCpu(), [process.pid], (performance.now() - from) / 1000);
    if (busy <= percent || Date.now() >= deadline) return busy;
  }
}
