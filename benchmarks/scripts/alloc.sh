#!/usr/bin/env bash
# npm run alloc -w benchmarks -- <target> [path] [seconds]
#
# Bytes a server allocates per request, and what the young-generation GC
# spends on it: the server runs with --trace-gc-nvp (V8 prints, for each GC,
# the bytes allocated since the one before and those that survived), wrk
# loads it for the given seconds after a 2 s warm-up, and the GC lines of the
# measured seconds are summed and divided by the requests served. Allocation
# per request barely moves with the machine's speed, so it is the steadiest
# way to compare two builds of one target; targets are built by
# `npm run bench` (or turbo) first.
#
#   npm run alloc -w benchmarks -- fastts /items/42?q=hello
#   WRK_METHOD=POST WRK_BODY='{}' npm run alloc -w benchmarks -- fastts /bg-slow
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?target (raw, fastts, fastify, ...)}
path=${2:-/hello}
seconds=${3:-5}
port=8193
export WRK_METHOD WRK_BODY
log=$(mktemp)
trap 'rm -f "$log"' EXIT

PORT=$port HOST=127.0.0.1 NODE_ENV=production LOG_LEVEL=warn taskset -c 0 node --trace-gc-nvp "dist/targets/$target.js" >"$log" 2>&1 &
pid=$!
sleep 1.5
load() { taskset -c 1 wrk -t1 -c50 "-d$1s" -s lua/bench.lua "http://127.0.0.1:$port$path"; }
load 2 >/dev/null
from=$(wc -l <"$log")
out=$(load "$seconds")
to=$(wc -l <"$log")
kill "$pid"
wait "$pid" 2>/dev/null || true
requests=$(sed -n 's/^BENCH_JSON {"requests":\([0-9]*\).*/\1/p' <<<"$out")

sed -n "$((from + 1)),${to}p" "$log" | awk -v requests="$requests" -v target="$target" -v path="$path" '
  /gc=/ {
    gcs++
    for (i = 1; i <= NF; i++) {
      split($i, kv, "=")
      if (kv[1] == "allocated") allocated += kv[2]
      else if (kv[1] == "new_space_survived") survived += kv[2]
      else if (kv[1] == "promoted") promoted += kv[2]
      else if (kv[1] == "pause") pause += kv[2]
    }
  }
  END {
    if (requests == 0) { print "no requests served"; exit 1 }
    printf "%s %s: %d requests, %d GCs; per request: %d B allocated, %d B survived a scavenge, %d B promoted, %.2f µs of GC pauses\n",
      target, path, requests, gcs, allocated / requests, survived / requests, promoted / requests, pause * 1000 / requests
  }'
