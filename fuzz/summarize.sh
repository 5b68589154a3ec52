#!/usr/bin/env bash
# Prints the runs table of docs/fuzzing.md from logs/*.log.
cd "$(dirname "$0")"
echo "| target | executions | fuzzing time | OOM / timeout / crash found | fixed |"
echo "| --- | --- | --- | --- | --- |"
for f in logs/*.log; do
  t=$(basename "$f" .log)
  last=$(grep -E '^#[0-9]+' "$f" | tail -1)
  execs=$(sed -E 's/^#([0-9]+).*/\1/' <<<"$last")
  secs=$(sed -E 's/.*time: ([0-9]+)s.*/\1/' <<<"$last")
  oct=$(sed -E 's|.*oom/timeout/crash: ([0-9/]+).*|\1|' <<<"$last")
  echo "| $t | $execs | ${secs} s | $oct | — |"
done
