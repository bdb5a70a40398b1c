# Shared by paired-cpu.sh and fixed-rate.sh (sourced, not run): two targets
# started side by side on core 0, their CPU time read from /proc.

# pair_targets <target> <target> [path]: sets a, b and path.
pair_targets() {
  a=${1:?first target (raw, fastts, fastify, ...)}
  b=${2:?second target}
  path=${3:-/hello}
}

hz=$(getconf CLK_TCK)
ratios=()

# CPU ticks (user + system) a process has used.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# start <target> <port>: starts a built target on core 0; prints its pid. A
# name ending in -mw (fastify-mw, fastts-mw) is that server with BENCH_MIDDLEWARE=1.
start() {
  local file=$1 middleware=
  if [[ $1 == *-mw ]]; then file=${1%-mw} middleware=1; fi
  BENCH_MIDDLEWARE=$middleware PORT=$2 HOST=127.0.0.1 NODE_ENV=production LOG_LEVEL=warn taskset -c 0 node "dist/targets/$file.js" >/dev/null 2>&1 &
  echo $!
}

# start_pair <round> <port> <port>: starts both targets, the first one first in
# odd rounds and the second one first in even rounds; sets first, second, pid1
# and pid2 (the servers of the first and second port).
start_pair() {
  if (($1 % 2)); then first=$a second=$b; else first=$b second=$a; fi
  pid1=$(start "$first" "$2")
  pid2=$(start "$second" "$3")
  sleep 1.5
}

# stop_pair: stops both servers (started in a subshell, so this shell cannot wait for them).
stop_pair() {
  kill "$pid1" "$pid2"
  sleep 0.5
}

# record_pair <ticks> <requests> <ticks> <requests>: the CPU time per request of
# the servers on the first and second port; sets usa and usb (targets a and b)
# and ratio (b / a), and adds ratio to ratios.
record_pair() {
  local us1 us2
  us1=$(echo "scale=2; $1 * 1000000 / $hz / $2" | bc)
  us2=$(echo "scale=2; $3 * 1000000 / $hz / $4" | bc)
  if [ "$first" = "$a" ]; then usa=$us1 usb=$us2; else usa=$us2 usb=$us1; fi
  ratio=$(echo "scale=3; $usb / $usa" | bc)
  ratios+=("$ratio")
}

# median of the numbers given as arguments.
median() {
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
