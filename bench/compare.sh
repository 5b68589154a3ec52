#!/usr/bin/env bash
# Every performance target of issue 13, measured in one run, each printed with
# its figure and met / not met:
#
#   bench/compare.sh [REPEAT] [--markdown FILE]
#
# REPEAT: copies of the mixed corpus in the batch-vs-loop comparison (default 10).
# Builds kaitsu (release), installs poppler-utils if missing (the
# `pdftotext -layout` baseline), installs the in-process peers pypdfium2,
# pdf_oxide and PyMuPDF with pip into target/bench-venv (a peer that fails to
# install is reported and skipped), then runs bench/targets.py.
set -euo pipefail
cd "$(dirname "$0")/.."
repeat=10
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --markdown) extra+=(--markdown "$2"); shift 2 ;;
    *) repeat="$1"; shift ;;
  esac
done

apt_install() {
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "$@" >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq "$@" >/dev/null; fi
}
command -v pdftotext >/dev/null || { echo "installing poppler-utils (the pdftotext baseline)" >&2; apt_install poppler-utils; }
[ -x /usr/bin/time ] || { echo "installing time (peak RSS)" >&2; apt_install time; }

cargo build --release --quiet
cargo build --release --quiet --example synth_notice

venv=target/bench-venv
missing=()
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" || { apt_install python3-venv && python3 -m venv "$venv"; }
fi
for peer in pypdfium2 pdf_oxide pymupdf; do
  if ! "$venv/bin/python" -c "import $peer" 2>/dev/null; then
    echo "installing $peer (pip, into $venv)" >&2
    "$venv/bin/pip" install -q "$peer" >&2 || { echo "could not install $peer: skipped" >&2; missing+=("$peer"); }
  fi
done

python3 bench/targets.py --bin target/release/kaitsu --synth target/release/examples/synth_notice \
  --repeat "$repeat" --venv-python "$venv/bin/python" \
  --peers-missing "$(IFS=,; echo "${missing[*]:-}")" "${extra[@]}"
