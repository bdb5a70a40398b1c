#!/usr/bin/env bash
# Installs the benchmark's native tools when missing: wrk (the load generator)
# and taskset (util-linux, pins servers and wrk to their own cores).
# Debian/Ubuntu with apt; root, or sudo without a password.
set -euo pipefail

need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v taskset >/dev/null 2>&1 || need+=(util-linux)
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: ${need[*]} missing and apt-get unavailable; install them by hand (the harness falls back to autocannon without wrk)" >&2
  exit 0
fi
sudo=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo -n"
echo "setup: installing ${need[*]} with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y --no-install-recommends "${need[@]}" >/dev/null; then
  $sudo apt-get update -qq >/dev/null && $sudo apt-get install -y --no-install-recommends "${need[@]}" >/dev/null \
    || echo "setup: could not install ${need[*]}; the harness falls back to autocannon without wrk" >&2
fi
