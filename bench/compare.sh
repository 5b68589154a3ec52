#!/usr/bin/env bash
# Times kaitsu against poppler's `pdftotext -layout` on the fixture corpus,
# in one run, and prints the ratios and peak RSS.
#
#   bench/compare.sh [REPEAT]     REPEAT copies of the corpus (default 20)
#
# Baseline: `pdftotext -layout` one process per file (text only, no parse).
# Measured: `kaitsu parse` one process per file; `kaitsu parse` of all files
# in one process (all cores). Plus a scaling check on synthetic notices with
# 100, 1 000 and 5 000 users.
set -euo pipefail
cd "$(dirname "$0")/.."
repeat="${1:-20}"

if ! command -v pdftotext >/dev/null; then
  echo "installing poppler-utils (for the pdftotext baseline)" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq poppler-utils >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq poppler-utils >/dev/null; fi
fi
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

cargo build --release --quiet
cargo build --release --quiet --example synth_notice
bin=target/release/kaitsu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The batch: every fixture PDF, REPEAT times (copies, so no file cache trick
# favours one side).
mkdir -p "$work/batch"
i=0
for r in $(seq 1 "$repeat"); do
  for f in fixtures/corpus/*.pdf; do
    cp "$f" "$work/batch/$(printf '%05d' $i)_$(basename "$f")"; i=$((i+1))
  done
done
files=("$work"/batch/*.pdf)
n=${#files[@]}
cat "${files[@]}" >/dev/null  # warm the page cache for both sides

now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.3f}')"; }
rss() { grep "Maximum resident" "$1" | awk '{print $6}'; }

t0=$(now)
for f in "${files[@]}"; do pdftotext -layout "$f" /dev/null 2>/dev/null || true; done
t1=$(now); base=$(secs "$t0" "$t1")

t0=$(now)
for f in "${files[@]}"; do "$bin" parse --quiet --format ndjson "$f" >/dev/null 2>&1 || true; done
t1=$(now); per_file=$(secs "$t0" "$t1")

t0=$(now)
/usr/bin/time -v -o "$work/batch.time" "$bin" parse --format ndjson --quiet "${files[@]}" >/dev/null 2>&1 || true
t1=$(now); batch=$(secs "$t0" "$t1")

/usr/bin/time -v -o "$work/one.time" pdftotext -layout "${files[0]}" /dev/null 2>/dev/null || true
/usr/bin/time -v -o "$work/kone.time" "$bin" parse --quiet "${files[0]}" >/dev/null 2>&1 || true

python3 - "$n" "$base" "$per_file" "$batch" "$(rss "$work/batch.time")" "$(rss "$work/one.time")" "$(rss "$work/kone.time")" "$(nproc)" <<'PY'
import sys
n, base, per_file, batch, rss_batch, rss_pdftotext, rss_one, cores = sys.argv[1:]
n = int(n); base, per_file, batch = float(base), float(per_file), float(batch)
print(f"files: {n} (fixtures/corpus x repeat), cores: {cores}")
print(f"{'pdftotext -layout, one process per file':45} {base:8.3f} s  {n/base:8.0f} files/s  (baseline)")
print(f"{'kaitsu parse, one process per file':45} {per_file:8.3f} s  {n/per_file:8.0f} files/s  {base/per_file:5.1f}x baseline")
print(f"{'kaitsu parse, all files in one process':45} {batch:8.3f} s  {n/batch:8.0f} files/s  {base/batch:5.1f}x baseline")
print(f"peak RSS: kaitsu batch {int(rss_batch)/1024:.1f} MB; one file: kaitsu {int(rss_one)/1024:.1f} MB, pdftotext {int(rss_pdftotext)/1024:.1f} MB")
PY

echo "scaling (synthetic notices, 40 users per page):"
prev=""
for users in 100 1000 5000; do
  target/release/examples/synth_notice "$users" "$work/s$users.pdf"
  t0=$(now)
  for k in 1 2 3; do /usr/bin/time -v -o "$work/s$users.time" "$bin" parse --quiet "$work/s$users.pdf" >/dev/null; done
  t1=$(now)
  t=$(python3 -c "print(($t1-$t0)/3)")
  printf '  %5d users: %.4f s per parse, peak RSS %.1f MB\n' "$users" "$t" "$(python3 -c "print($(rss "$work/s$users.time")/1024)")"
  eval "t_$users=$t"
done
python3 -c "print(f'  5000 users cost {$t_5000/$t_100:.1f}x what 100 users cost (target <= 60x)')"
