#!/usr/bin/env bash
# Runs every target one after another, one process at a time.
# Usage: ./run_all.sh TARGET:SECONDS ...
set -u
cd "$(dirname "$0")"
bin=target/x86_64-unknown-linux-gnu/release
for spec in "$@"; do
  t=${spec%%:*}; secs=${spec##*:}
  mkdir -p "corpus/$t" "artifacts/$t" logs
  start=$(date +%s)
  "$bin/$t" "corpus/$t" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -max_len=${MAXLEN:-262144} \
    -artifact_prefix="artifacts/$t/" > "logs/$t.log" 2>&1
  echo "$t done in $(( $(date +%s) - start ))s" >> logs/summary.txt
done
