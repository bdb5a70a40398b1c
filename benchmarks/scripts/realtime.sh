#!/usr/bin/env bash
# npm run realtime [-- options]: taskset if missing, a build of the packages and
# the benchmarks (turbo, cached), then the WebSocket and SSE measures.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
(cd .. && npx turbo run build --filter=fastts-benchmarks... --output-logs=errors-only)
exec node dist/realtime/run.js "$@"
