#!/usr/bin/env python3
"""Fetches the real-world corpus named in manifest.tsv into bench/realworld/pdfs/.

Each file is checked against its git blob id, so a fetched corpus is the one
the manifest names, byte for byte. Sources, first that works:

- --mirror ROOT: bare git snapshots at ROOT/owner+name/repo (read with
  `git cat-file`), the fastest;
- otherwise the repository's raw file at the manifest's commit, over the
  network (not run in CI, which reaches package registries only).

Usage: fetch.py [--mirror ROOT] [--jobs N]
"""

import argparse
import csv
import hashlib
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "pdfs"


def blob_id(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def local_name(row):
    return OUT / row["repository"].replace("/", "+") / row["path"]


def rows():
    with open(HERE / "manifest.tsv", newline="") as f:
        yield from csv.DictReader(f, delimiter="\t")


def fetch_one(row, mirror):
    dest = local_name(row)
    if dest.exists() and blob_id(dest.read_bytes()) == row["blob"]:
        return "kept"
    data = None
    if mirror:
        gitdir = Path(mirror) / row["repository"].replace("/", "+") / "repo"
        r = subprocess.run(["git", "-C", str(gitdir), "cat-file", "blob", row["blob"]],
                           capture_output=True)
        if r.returncode == 0:
            data = r.stdout
    if data is None:
        url = f"https://github.com/{row['repository']}/raw/{row['commit']}/{row['path']}"
        try:
            with urllib.request.urlopen(url, timeout=60) as resp:
                data = resp.read()
        except OSError as e:
            return f"failed: {e}"
    if blob_id(data) != row["blob"]:
        return "failed: blob id differs"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data)
    return "fetched"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mirror")
    ap.add_argument("--jobs", type=int, default=4)
    args = ap.parse_args()
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda r: (r, fetch_one(r, args.mirror)), rows()))
    counts = {}
    for row, status in results:
        key = status.split(":")[0]
        counts[key] = counts.get(key, 0) + 1
        if key == "failed":
            print(f"{row['repository']}:{row['path']}: {status}", file=sys.stderr)
    print(", ".join(f"{v} {k}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
