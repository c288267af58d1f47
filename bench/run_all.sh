#!/usr/bin/env bash
# All four benchmarks (ingest, billing run, sending, portal), one after the other, for this checkout
# and for every other checkout given with --code (e.g. a worktree of an older commit with its own
# .venv), interleaved bench by bench (A B, B A, ...) so both versions are measured in the same
# window. Prints each bench's output and ends with a compact summary (one line per bench and
# checkout, with the load average), also written to $BENCH_SUMMARY (default /tmp/gateway-bench-summary-<UTC time>.txt).
# Exit status 1 if any target is missed by this checkout.
#
#   bench/run_all.sh [--code /work/wt/baseline-0e93098] ...
set -uo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)
codes=("$here")
while [ $# -gt 0 ]; do
  case "$1" in
    --code) codes+=("$(cd "$2" && pwd)"); shift 2 ;;
    *) echo "usage: bench/run_all.sh [--code PATH]..." >&2; exit 2 ;;
  esac
done
summary=${BENCH_SUMMARY:-/tmp/gateway-bench-summary-$(date -u +%Y%m%dT%H%M).txt}
log=$(mktemp /tmp/gateway-bench-log-XXXXXX)
trap 'rm -f "$log"' EXIT
{
  echo "gateway benches, started $(date -u '+%Y-%m-%d %H:%M') UTC, load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
  echo "a target passes only with a 10 % margin (bench/README.md); compare checkouts on the same line pairs"
} > "$summary"
status=0
turn=0
for bench in ingest_http billing_run sending portal_open; do
  # every other bench takes the checkouts in reverse order (A B, B A, ...), so neither always goes first
  order=("${codes[@]}")
  if [ $((turn % 2)) -eq 1 ]; then
    order=(); for ((i=${#codes[@]}-1; i>=0; i--)); do order+=("${codes[$i]}"); done
  fi
  turn=$((turn + 1))
  for code in "${order[@]}"; do
    echo "== bench/$bench.py --code $code"
    .venv/bin/python "bench/$bench.py" --code "$code" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    line=$(grep '^SUMMARY ' "$log" | tail -n 1)
    echo "${line:-SUMMARY $bench | $code | failed to run (exit $rc)}" | sed 's/^SUMMARY //' >> "$summary"
    if [ "$code" = "$here" ] && [ "$rc" -ne 0 ]; then status=1; fi
    echo
  done
done
echo "finished $(date -u '+%H:%M') UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)" >> "$summary"
echo "== summary ($summary)"
cat "$summary"
exit $status
