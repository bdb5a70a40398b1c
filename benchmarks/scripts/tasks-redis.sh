#!/usr/bin/env bash
# npm run tasks-redis [-- options]: a build of the packages and the benchmarks
# (turbo, cached), then the task benchmark on Redis (BullMQ), which starts a
# redis-server per run (Debian's: apt-get install redis-server).
set -euo pipefail
cd "$(dirname "$0")/.."
(cd .. && npx turbo run build --filter=fastts-benchmarks... --output-logs=errors-only)
exec node dist/tasks/redis-throughput.js "$@"
