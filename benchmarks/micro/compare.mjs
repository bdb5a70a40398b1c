// Times two implementations of one function against each other in one process:
// `rounds` rounds, each running both (in alternating order, so neither always
// runs right after the garbage the other left), after `warmup` rounds that are
// not counted. A round gives ns per operation; the result is each variant's
// median, and its spread between rounds, the interquartile range over the
// median, which is the noise a difference has to beat. (Max - min would be
// decided by the one round the scheduler interrupted, on a shared machine.)

import { performance } from 'node:perf_hooks';

/**
 * @param {string} title
 * @param {Record<string, (ops: number) => unknown>} variants each runs `ops` operations and returns a value that depends on them
 * @param {{ ops: number, rounds?: number, warmup?: number }} options
 */
export function compare(title, variants, { ops, rounds = 15, warmup = 3 }) {
  const names = Object.keys(variants);
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  let sink = 0;
  for (let round = 0; round < warmup + rounds; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const started = performance.now();
      const result = variants[name](ops);
      const ns = ((performance.now() - started) * 1e6) / ops;
      // Read what the variant made, so no compiler can drop the work.
      sink += typeof result === 'string' ? result.length : Number(Boolean(result));
      if (round >= warmup) samples[name].push(ns);
    }
  }
  const stats = Object.fromEntries(
    names.map((name) => {
      const sorted = [...samples[name]].sort((a, b) => a - b);
      const at = (q) => sorted[Math.round(q * (sorted.length - 1))];
      const median = at(0.5);
      return [name, { median, spread: (at(0.75) - at(0.25)) / median }];
    }),
  );
  console.log(`\n${title} (${rounds} rounds of ${ops} operations, after ${warmup} not counted)`);
  for (const name of names) {
    const { median, spread } = stats[name];
    console.log(`  ${name.padEnd(12)} median ${median.toFixed(1).padStart(8)} ns/op   spread between rounds (IQR) ${(spread * 100).toFixed(1)}%`);
  }
  if (sink === -1) console.log('');
  return stats;
}

/** `generated` against `plain`: how much faster generated is, and whether that is above the noise. */
export function verdict(stats) {
  const { generated, plain } = stats;
  const gain = (plain.median - generated.median) / plain.median;
  const noise = Math.max(generated.spread, plain.spread);
  const keep = gain > noise;
  console.log(
    `  generated is ${(gain * 100).toFixed(1)}% ${gain >= 0 ? 'faster' : 'slower'} than plain; noise ${(noise * 100).toFixed(1)}%: ` +
      (keep ? 'above the noise' : 'within the noise (or slower): plain code is enough'),
  );
  return { gain, noise, keep };
}
