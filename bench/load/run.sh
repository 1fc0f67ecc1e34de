#!/usr/bin/env bash
# The load benchmark (BENCHMARKS.md): builds `load-bench` in release mode and runs it.
#
#   bench/load/run.sh                  # 9 rounds x 9 variants, each after a run of (a), 2 s each (~13 min)
#   bench/load/run.sh --variants arnd  # (a), the Redis sessions (r, n) and the cookie session (d)
#   bench/load/run.sh --rounds 5 --duration 10
#   bench/load/run.sh --smoke          # CI: one 2-second round, fails on any error or non-2xx
#
# Variants: a unprotected, b/c BearerJwtLayer cache off/on, d FeideLoginLayer 2 KB cookie session,
# r/n FeideLoginLayer with sessions in Redis, near cache on/off, e jwt-authorizer, t/k (a) with
# the token/cookie sent.
#
# Installs wrk from Debian's packages when it is missing (needs root, as on CI). (r) and (n) need
# /usr/bin/redis-server (.ci/run installs it); the benchmark starts its own on a free port and
# stops it at the end. Everything runs on 127.0.0.1; the servers (and Redis) are pinned to CPU 0
# and wrk to CPU 1 (see --server-cpu/--client-cpu).
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
