#!/usr/bin/env bash
# Tests/bench/bench.sh -- Routero micro-benchmark (prints a table; NOT a test, asserts nothing).
# Needs: deploy/setup (nginx, redis-server, wrk, a C compiler for the floor worker) and a release
# build. About 5 minutes.
# Env: BENCH_SECONDS=5 (wrk duration per row), BENCH_STREAMS=2000, ROUTERO_BINARY=path.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# 2,000 streams need ~4,000 descriptors in nginx and the worker, 2,000 in the client.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
PY=python3
[[ -x $HERE/../../.venv/bin/python ]] && PY=$HERE/../../.venv/bin/python
exec "$PY" "$HERE/bench.py" "$@"
