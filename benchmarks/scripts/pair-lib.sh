# Shared by paired-cpu.sh and fixed-rate.sh (sourced, not run): two targets
# started side by side on core 0, their CPU time read from /proc.

# pair_targets <target> <target> [path]: sets a, b and path.
pair_targets() {
  a=${1:?first target (raw, fastts, fastify, ...)}
  b=${2:?second target}
  path=${3:-/hello}
}

# CPU ticks (user + system) a process has used.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# start <target> <port>: starts a built target on core 0; prints its pid.
start() {
  PORT=$2 HOST=127.0.0.1 NODE_ENV=production LOG_LEVEL=warn taskset -c 0 node "dist/targets/$1.js" >/dev/null 2>&1 &
  echo $!
}

# median of the numbers given as arguments.
median() {
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
