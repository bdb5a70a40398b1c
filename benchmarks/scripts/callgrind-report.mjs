#!/usr/bin/env node
// node scripts/callgrind-report.mjs <run> [other run] [--top n] [--callers pattern]
//
// Reads what scripts/callgrind.sh wrote (<run>.out, .map, .requests) and
// prints an estimate of the cycles one request costs: instructions, plus 10
// per first-level cache miss, 100 per last-level miss and 20 per mispredicted
// branch (the weights of valgrind's own documentation, rounded). With a second
// run it prints both and the functions whose cost moved most, JIT-compiled
// JavaScript named from node's perf map. Garbage collection and the JIT
// compiler run in bursts that a window of 10,000 requests catches unevenly, so
// the estimate is also given without them.
//
// --callers <pattern>: which functions call the functions whose name contains
// the pattern, how often per request, and the instructions spent in those calls.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i === -1) return fallback;
  const [, value] = args.splice(i, 2);
  return value;
};
const top = Number(option('--top', '30'));
const callers = option('--callers', undefined);
const runs = args;
if (runs.length === 0 || runs.length > 2) {
  console.error('usage: callgrind-report.mjs <run> [other run] [--top n] [--callers pattern]');
  process.exit(2);
}

const GC_OR_JIT = /Scaveng|IterateObjectCache|Heap::|RootScavengeVisitor|MarkCompact|Sweep|Evacuat|RememberedSet|SlotSet|Marking|GlobalHandles|Worklist|PagedSpace|SemiSpace|NewSpace|MemoryChunk|compiler::|Compile|turboshaft|Zone/;

/** Code ranges of the perf map, sorted, for finding the JavaScript function at an address. */
function readMap(file) {
  const ranges = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [start, size, ...name] = line.split(' ');
      return { start: parseInt(start, 16), end: parseInt(start, 16) + parseInt(size, 16), name: name.join(' ') };
    });
  ranges.sort((a, b) => a.start - b.start);
  return (address) => {
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (ranges[mid].start <= address) lo = mid + 1;
      else hi = mid - 1;
    }
    const range = ranges[hi];
    return range && address < range.end ? range.name : undefined;
  };
}

/**
 * Self cost per function, and calls per caller/callee pair. Callgrind names
 * JIT code by address only; those addresses are looked up in the perf map.
 */
function readRun(base) {
  const lookup = readMap(`${base}.map`);
  const requests = Number(readFileSync(`${base}.requests`, 'utf8'));
  const names = new Map();
  const self = new Map();
  const calls = new Map();
  let events = [];
  let fn = '';
  let callee = '';
  let address = 0;
  // The count of the `calls=` line before, or -1: the cost line after a `calls=` line is the call's
  // inclusive cost, not the caller's own (and a count can be 0 once the counters were reset).
  let pendingCall = -1;
  const nameOf = (own) => (own && !own.startsWith('0x') ? own : `JS ${lookup(address) ?? `??? ${own}`}`);
  for (const line of readFileSync(`${base}.out`, 'utf8').split('\n')) {
    if (line.startsWith('events:')) {
      events = line.split(' ').slice(1);
      continue;
    }
    const named = /^(c?fn)=\((\d+)\)(?: (.*))?$/.exec(line);
    if (named) {
      if (named[3] !== undefined) names.set(named[2], named[3]);
      if (named[1] === 'fn') fn = names.get(named[2]) ?? '?';
      else callee = names.get(named[2]) ?? '?';
      continue;
    }
    if (line.startsWith('calls=')) {
      pendingCall = Number(line.slice(6).split(' ')[0]);
      continue;
    }
    const first = line[0];
    if (!(first === '+' || first === '-' || first === '*' || (first >= '0' && first <= '9'))) continue;
    const parts = line.split(' ');
    const position = parts[0];
    if (position.startsWith('0x')) address = parseInt(position, 16);
    else if (first === '+') address += Number(position.slice(1));
    else if (first === '-') address -= Number(position.slice(1));
    const costs = parts.slice(1).map(Number);
    if (pendingCall >= 0) {
      const key = `${nameOf(fn)}  ->  ${callee}`;
      const entry = calls.get(key) ?? { count: 0, ir: 0 };
      entry.count += pendingCall;
      entry.ir += costs[0] ?? 0;
      calls.set(key, entry);
      pendingCall = -1;
      continue;
    }
    const key = nameOf(fn);
    let total = self.get(key);
    if (!total) self.set(key, (total = new Array(events.length).fill(0)));
    costs.forEach((c, i) => (total[i] += c));
  }
  const weight = Object.fromEntries(events.map((e, i) => [e, i]));
  const at = (costs, event) => (weight[event] === undefined ? 0 : costs[weight[event]]);
  const cycles = (costs) =>
    at(costs, 'Ir') +
    10 * (at(costs, 'I1mr') + at(costs, 'D1mr') + at(costs, 'D1mw')) +
    100 * (at(costs, 'ILmr') + at(costs, 'DLmr') + at(costs, 'DLmw')) +
    20 * (at(costs, 'Bcm') + at(costs, 'Bim'));
  const perFunction = new Map([...self].map(([name, costs]) => [name, cycles(costs) / requests]));
  let all = 0;
  let steady = 0;
  for (const [name, c] of perFunction) {
    all += c;
    if (!GC_OR_JIT.test(name)) steady += c;
  }
  return { base, requests, perFunction, all, steady, calls };
}

const loaded = runs.map(readRun);
const fmt = (n) => Math.round(n).toLocaleString('en-US');
for (const run of loaded) console.log(`${run.base}: ${fmt(run.all)} est. cycles/request, ${fmt(run.steady)} without GC and JIT (${run.requests} requests)`);
if (loaded.length === 2) {
  const [a, b] = loaded;
  console.log(`ratio: ${(b.all / a.all).toFixed(3)}, without GC and JIT: ${(b.steady / a.steady).toFixed(3)}`);
  const names = new Set([...a.perFunction.keys(), ...b.perFunction.keys()]);
  const rows = [...names].map((name) => ({ name, a: a.perFunction.get(name) ?? 0, b: b.perFunction.get(name) ?? 0 }));
  rows.sort((x, y) => Math.abs(y.b - y.a) - Math.abs(x.b - x.a));
  console.log('\n  change     first    second  function');
  for (const r of rows.slice(0, top)) {
    console.log(`${(r.b - r.a >= 0 ? '+' : '') + fmt(r.b - r.a)}`.padStart(8), fmt(r.a).padStart(9), fmt(r.b).padStart(9), ` ${r.name.slice(0, 110)}`);
  }
} else {
  const rows = [...loaded[0].perFunction].sort((x, y) => y[1] - x[1]).slice(0, top);
  console.log('\n   cycles  function');
  for (const [name, c] of rows) console.log(fmt(c).padStart(9), ` ${name.slice(0, 110)}`);
}
if (callers) {
  for (const run of loaded) {
    console.log(`\ncallers of *${callers}* in ${run.base} (calls and instructions per request):`);
    const rows = [...run.calls].filter(([key]) => key.split('  ->  ')[1].includes(callers)).sort((x, y) => y[1].ir - x[1].ir);
    for (const [key, { count, ir }] of rows.slice(0, top)) {
      console.log(`${(count / run.requests).toFixed(2).padStart(7)} ${fmt(ir / run.requests).padStart(7)}  ${key.slice(0, 140)}`);
    }
  }
}
