#!/usr/bin/env bash
# npm run bench [-- options]: native tools, a build of @fastts/core and of the
# targets (turbo, cached), then the harness. Options: --help.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
(cd .. && npx turbo run build --filter=fastts-benchmarks... --output-logs=errors-only)
exec node dist/harness/bench.js "$@"
