#!/usr/bin/env python3
"""Checks that files qpdf rewrites cleanly read the same before and after.

For every fetched corpus file that `qpdf` (no options: a plain rewrite,
object streams kept as they are) rewrites without warnings or errors, runs
`kaitsu text` on both and compares their non-space characters (as
score.py does). Prints the files whose text differs and a one-line count.

Usage: qpdf_check.py [--kaitsu PATH] [--jobs N]
"""

import argparse
import csv
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from score import PDFS, ROOT, TIMEOUT, chars, kaitsu_text, passwords_for

HERE = Path(__file__).resolve().parent


def check(row, kaitsu, tmp):
    key = f"{row['repository']}:{row['path']}"
    path = PDFS / row["repository"].replace("/", "+") / row["path"]
    if not path.exists() or passwords_for(key):
        return None
    # The path, not the blob, names the copy: identical files share a blob.
    out = Path(tmp) / (row["path"].replace("/", "+"))
    try:
        r = subprocess.run(["qpdf", str(path), str(out)], capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None
    if r.returncode != 0:  # 3: warnings, 2: errors: not a clean rewrite
        return None
    before, _ = kaitsu_text(kaitsu, path, [])
    after, _ = kaitsu_text(kaitsu, out, [])
    out.unlink(missing_ok=True)
    return key, chars(before) == chars(after)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kaitsu", default=str(ROOT / "target" / "release" / "kaitsu"))
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    with open(HERE / "manifest.tsv", newline="") as f:
        manifest = list(csv.DictReader(f, delimiter="\t"))
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(args.jobs) as pool:
        results = [r for r in pool.map(lambda m: check(m, args.kaitsu, tmp), manifest) if r]
    differ = [k for k, same in results if not same]
    for k in differ:
        print(f"differs after qpdf: {k}")
    print(f"{len(results)} files rewritten cleanly by qpdf; {len(results) - len(differ)} read the same, "
          f"{len(differ)} differ")


if __name__ == "__main__":
    main()
