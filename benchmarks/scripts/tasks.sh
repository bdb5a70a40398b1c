#!/usr/bin/env bash
# npm run tasks [-- options]: native tools (wrk, for the request cost), a build
# of the packages and the benchmarks (turbo, cached), then the task benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
(cd .. && npx turbo run build --filter=fastts-benchmarks... --output-logs=errors-only)
exec node dist/tasks/throughput.js "$@"
