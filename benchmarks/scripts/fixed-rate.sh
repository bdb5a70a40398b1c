#!/usr/bin/env bash
# npm run fixed-rate -w benchmarks -- <target> <target> [path] [rounds] [rate]
#
# CPU time per request of two targets loaded at the same moment at the same
# fixed rate (autocannon -R, well below what either serves at most), both
# servers on core 0, their load on core 1. At a fixed rate both servers keep
# the same number of requests in flight: on /bg-slow, the same number of
# pending tasks, so the garbage collector's share is compared like for like,
# which a saturated run (paired-cpu.sh) cannot do. Targets are built by
# `npm run bench` (or turbo) first.
#
#   npm run fixed-rate -w benchmarks -- raw fastts /hello 4 12000
#   WRK_METHOD=POST npm run fixed-rate -w benchmarks -- raw fastts /bg-slow 4 10000
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pair-lib.sh
pair_targets "$@"
rounds=${4:-4}
rate=${5:-10000}
seconds=${SECONDS_PER_RUN:-10}
method=${WRK_METHOD:-GET}
autocannon=../node_modules/.bin/autocannon

# Prints the number of requests answered.
load() {
  taskset -c 1 "$autocannon" -j -c 20 -R "$rate" -d "$1" -m "$method" -H content-type=application/json -b "${WRK_BODY:-{\}}" \
    "http://127.0.0.1:$2$path" 2>/dev/null | node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>console.log(JSON.parse(s).requests.total))'
}

for ((round = 1; round <= rounds; round++)); do
  start_pair "$round" 8195 8196
  load 3 8195 >/dev/null &
  load 3 8196 >/dev/null
  wait
  c1=$(cpu_ticks "$pid1") c2=$(cpu_ticks "$pid2")
  out=$(mktemp)
  load "$seconds" 8195 >"$out" &
  n2=$(load "$seconds" 8196)
  wait
  n1=$(cat "$out")
  rm -f "$out"
  d1=$(($(cpu_ticks "$pid1") - c1)) d2=$(($(cpu_ticks "$pid2") - c2))
  stop_pair
  record_pair "$d1" "$n1" "$d2" "$n2"
  echo "round $round: $a ${usa} µs/req, $b ${usb} µs/req, $b/$a $ratio ($n1 and $n2 requests)"
done
echo "median CPU per request at $rate req/s, $b / $a: $(median "${ratios[@]}")"
