#!/usr/bin/env bash
# npm run paired-cpu -w benchmarks -- <target> <target> [path] [rounds]
#
# Server CPU time per request of two targets loaded at the same moment: both
# servers on core 0, one wrk per server on core 1, CPU time from /proc/<pid>/stat
# around the measured seconds. A slowdown of the machine hits both servers
# alike, so their ratio holds still where req/s ratios taken one after the
# other swing. It measures cost per request, not throughput; targets are
# built by `npm run bench` (or turbo) first.
#
#   npm run paired-cpu -w benchmarks -- raw fastts /items/42?q=hello 6
#   WRK_METHOD=POST WRK_BODY='{}' npm run paired-cpu -w benchmarks -- raw fastts /bg
#   WRK_HEADERS=$'Origin: http://front.example\nAccept-Encoding: gzip' npm run paired-cpu -w benchmarks -- fastts fastts-mw
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pair-lib.sh
pair_targets "$@"
rounds=${4:-6}
seconds=${SECONDS_PER_RUN:-5}
export WRK_METHOD WRK_BODY WRK_HEADERS

requests() { sed -n 's/^BENCH_JSON {"requests":\([0-9]*\).*/\1/p' "$1"; }

out=$(mktemp -d)
for ((round = 1; round <= rounds; round++)); do
  start_pair "$round" 8191 8192
  warm=()
  for port in 8191 8192; do
    taskset -c 1 wrk -t1 -c25 -d2s -s lua/bench.lua "http://127.0.0.1:$port$path" >/dev/null &
    warm+=($!)
  done
  wait "${warm[@]}"
  c1=$(cpu_ticks "$pid1") c2=$(cpu_ticks "$pid2")
  taskset -c 1 wrk -t1 -c25 "-d${seconds}s" -s lua/bench.lua "http://127.0.0.1:8191$path" >"$out/1" &
  w1=$!
  taskset -c 1 wrk -t1 -c25 "-d${seconds}s" -s lua/bench.lua "http://127.0.0.1:8192$path" >"$out/2"
  wait $w1
  d1=$(($(cpu_ticks "$pid1") - c1)) d2=$(($(cpu_ticks "$pid2") - c2))
  stop_pair
  record_pair "$d1" "$(requests "$out/1")" "$d2" "$(requests "$out/2")"
  echo "round $round: $a ${usa} µs/req, $b ${usb} µs/req, $b/$a $ratio"
done
rm -rf "$out"
echo "median CPU per request, $b / $a: $(median "${ratios[@]}")"
