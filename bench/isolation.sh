#!/usr/bin/env bash
# The cost of parsing in worker processes (the default) against parsing
# in-process (--in-process), measured in one run, alternating the two so a
# loaded machine weighs on both alike:
#
#   bench/isolation.sh [COPIES] [ROUNDS]
#
# A batch of every fixture notice copied COPIES times (default 10), -j 2,
# and a one-file run repeated 20 times per round; ROUNDS rounds (default
# 5). Prints the median wall time of each, the per-file cost of isolation
# and the ratio. Needs a release build (built here).
set -euo pipefail
cd "$(dirname "$0")/.."
copies=${1:-10}
rounds=${2:-5}
cargo build --release --quiet --bin kaitsu
bin=$PWD/target/release/kaitsu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
for c in $(seq 1 "$copies"); do
  mkdir -p "$work/$c"
  for f in fixtures/corpus/*.pdf; do cp "$f" "$work/$c/"; n=$((n + 1)); done
done
one=fixtures/corpus/calc_ipaex_address_dns.pdf
python3 - "$bin" "$work" "$n" "$rounds" "$one" <<'PY'
import statistics, subprocess, sys, time
bin, work, n, rounds, one = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
def timed(args):
    t = time.perf_counter()
    subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t
batch = {"workers": [], "in-process": []}
single = {"workers": [], "in-process": []}
for r in range(rounds):
    for mode, extra in (("workers", []), ("in-process", ["--in-process"])):
        batch[mode].append(timed([bin, "parse", "-q", "-j", "2", "--format", "ndjson", "-r", *extra, work]))
        single[mode].append(sum(timed([bin, "parse", "-q", *extra, one]) for _ in range(20)) / 20)
bw, bi = statistics.median(batch["workers"]), statistics.median(batch["in-process"])
sw, si = statistics.median(single["workers"]), statistics.median(single["in-process"])
print(f"batch of {n} files, -j 2: workers {bw:.3f} s, in-process {bi:.3f} s; "
      f"{(bw - bi) / n * 1000:+.3f} ms per file; ratio {bw / bi:.3f}")
print(f"one file: workers {sw * 1000:.1f} ms, in-process {si * 1000:.1f} ms; "
      f"{(sw - si) * 1000:+.1f} ms; ratio {sw / si:.3f}")
PY
