#!/usr/bin/env bash
# The load benchmark (BENCHMARKS.md): builds `load-bench` in release mode and runs it.
#
#   bench/load/run.sh                  # 9 rounds x 7 variants, each after a run of (a), 2 s each (~5 min)
#   bench/load/run.sh --rounds 5 --duration 10
#   bench/load/run.sh --smoke          # CI: one 2-second round, fails on any error or non-2xx
#
# Installs wrk from Debian's packages when it is missing (needs root, as on CI). Everything runs
# on 127.0.0.1; the servers are pinned to CPU 0 and wrk to CPU 1 (see --server-cpu/--client-cpu).
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v wrk >/dev/null 2>&1; then
    echo "load-bench: installing wrk (apt-get)" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
if ! command -v taskset >/dev/null 2>&1; then
    echo "load-bench: taskset (util-linux) not found; running unpinned" >&2
    set -- --no-pin "$@"
fi

cargo build --release --quiet -p load-bench
exec "${CARGO_TARGET_DIR:-target}/release/load-bench" "$@"
