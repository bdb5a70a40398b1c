#!/usr/bin/env bash
# npm run callgrind -w benchmarks -- <target> [path] [requests]
#
# What one request costs a server, counted rather than timed: the server runs
# under valgrind's callgrind with its cache and branch simulators, serves a
# warm-up, then exactly <requests> requests (autocannon -a) between a reset and
# a dump of the counters. The counts barely move with the machine's speed or
# with what else runs on it, so two builds, or two targets, can be compared to
# a percent where timed measures swing by ten. Node writes a perf map
# (--perf-basic-prof), so `callgrind-report.mjs` can name the JIT-compiled
# JavaScript functions the counts fall in. Valgrind runs the server about 50
# times slower: timers look 50 times shorter, so work that waits (the 50 ms
# task of /bg-slow) piles up less than it does at full speed.
#
#   npm run callgrind -w benchmarks -- fastts /items/42?q=hello
#   WRK_METHOD=POST WRK_BODY='{}' npm run callgrind -w benchmarks -- raw /bg
#   node scripts/callgrind-report.mjs results/callgrind/raw-bg results/callgrind/fastts-bg
set -euo pipefail
cd "$(dirname "$0")/.."
# valgrind and callgrind_control both name their shared files after $HOST; the targets default to 127.0.0.1.
unset HOST
target=${1:?target (raw, fastts, fastify, ...)}
path=${2:-/hello}
requests=${3:-10000}
warmup=${WARMUP_REQUESTS:-20000}
method=${WRK_METHOD:-GET}
body=${WRK_BODY:-}
command -v valgrind >/dev/null || { echo "callgrind: valgrind is not installed (apt-get install -y valgrind)" >&2; exit 1; }
autocannon=$(node -p "require.resolve('autocannon/autocannon.js')")

label=$(printf '%s' "$method-$path" | tr -c 'A-Za-z0-9-' '_')
out=results/callgrind
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
port=8194

PORT=$port NODE_ENV=production LOG_LEVEL=warn valgrind --tool=callgrind \
  --smc-check=all-non-file --cache-sim=yes --branch-sim=yes --dump-instr=yes --dump-line=no \
  --callgrind-out-file="$work/callgrind.out" \
  node --perf-basic-prof --logfile="$work/v8.log" --no-logfile-per-isolate "dist/targets/$target.js" >"$work/server.log" 2>&1 &
pid=$!
# V8 (Node 20) always writes the perf map to this fixed place, perf's convention, and has no
# option to move it; valgrind runs node in its own process, so <pid> is $!.
perf_map="/tmp/perf-$pid.map"
for _ in $(seq 120); do
  curl -s -o /dev/null "http://127.0.0.1:$port/hello" && break
  sleep 1
done
request=(-m "$method")
[ -n "$body" ] && request+=(-H content-type=application/json -b "$body")
load() { node "$autocannon" -c 10 -a "$1" "${request[@]}" "http://127.0.0.1:$port$path" >/dev/null 2>&1; }
load "$warmup"
callgrind_control -z "$pid" >/dev/null 2>&1
load "$requests"
callgrind_control -d "$pid" >/dev/null 2>&1
kill "$pid"
wait "$pid" 2>/dev/null || true

dest="$out/$target-$label"
cp "$work/callgrind.out.1" "$dest.out"
cp "$perf_map" "$dest.map"
rm -f "$perf_map"
echo "$requests" >"$dest.requests"
node scripts/callgrind-report.mjs "$dest"
