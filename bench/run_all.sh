#!/usr/bin/env bash
# All three benchmarks, one after the other; exit status 1 if any target is missed.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
for bench in ingest_http billing_run sending; do
  echo "== bench/$bench.py"
  .venv/bin/python "bench/$bench.py" || status=1
  echo
done
exit $status
