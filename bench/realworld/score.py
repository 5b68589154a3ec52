#!/usr/bin/env python3
"""Scores kaitsu's text layer on the real-world corpus against poppler.

For every manifest file present under pdfs/ (see fetch.py) it runs
`kaitsu text --reveal-secrets` and `pdftotext -layout`, and computes:

- agreement: over the multisets of non-space characters (NFKC), the shared
  characters over the average length, 2·|A∩B| / (|A|+|B|); two empty texts
  agree fully. Control characters (Unicode Cc) and U+FFFD are left out on
  both sides: poppler prints the codes of glyphs it cannot name as control
  characters, which no page shows. Poppler is a reference, not an oracle: it prints text a
  person cannot see (kaitsu leaves it out) and maps some JIS-Roman
  characters to look-alikes.
- fragments: the text the upstream tests assert (fragments.json), found or
  not in each tool's text with all whitespace removed.

It prints the table (share of files at >= 99 % agreement, fragments found,
files with no text where poppler has text) and writes per-file figures to
results/LABEL.tsv. With --compare OLD.tsv it lists files whose agreement
moved.

Usage: score.py [--kaitsu PATH] [--label NAME] [--jobs N] [--compare OLD.tsv]
"""

import argparse
import csv
import json
import re
import subprocess
import unicodedata
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PDFS = HERE / "pdfs"
RESULTS = HERE / "results"
# A file "agrees" at this share of shared characters.
AGREE = 0.99
# Poppler "has text" from this many non-space characters on (a stray page
# number or bullet is not a text layer).
HAS_TEXT = 10
# A word is "seen" when the grey levels in its box (pdftoppm at SEEN_DPI)
# span more than this: anti-aliased 1 pt text still does, a blank box not.
SEEN_DPI = 50
SEEN_SPREAD = 8
# Pages rendered for the seen check, per file (a book-sized file is left
# at the plain figure past that).
SEEN_MAX_PAGES = 40
BIDI_CONTROLS = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Per-tool, per-file time bound (seconds).
TIMEOUT = 60
# Passwords for the encrypted test files: passwords.json (what the upstream
# tests open each file with); a file that opens without one is unaffected.
PASSWORDS = json.loads((HERE / "passwords.json").read_text())


def passwords_for(key):
    repo_dir = key.rsplit("/", 1)[0] + "/*"
    return PASSWORDS.get(key, []) + PASSWORDS.get(repo_dir, [])


def chars(text):
    text = unicodedata.normalize("NFKC", text)
    return "".join(
        c for c in text
        if not c.isspace() and c != "\ufffd" and unicodedata.category(c) != "Cc"
        and c not in BIDI_CONTROLS
    )


def agreement(a, b):
    if not a and not b:
        return 1.0
    common = sum((Counter(a) & Counter(b)).values())
    return 2 * common / (len(a) + len(b))


def run(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, "timeout"
    out = r.stdout.decode("utf-8", "replace")
    if r.returncode != 0:
        err = r.stderr.decode("utf-8", "replace").strip().splitlines()
        return out, (err[-1] if err else f"exit {r.returncode}")
    return out, ""


def poppler_text(path, blob, pws):
    cache = RESULTS / "poppler" / f"{blob}.txt"
    if cache.exists():
        return cache.read_text()
    text, err = run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"])
    if text is None or (err and not text):
        # Try the suites' passwords, as kaitsu does.
        for pw in pws:
            for flag in ["-upw", "-opw"]:
                text, err = run(["pdftotext", "-layout", flag, pw, str(path), "-"])
                if text and not err:
                    break
            if text and not err:
                break
    text = text or ""
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(text)
    return text


def read_pgm(path):
    """Width, height and grey bytes of a binary PGM (pdftoppm -gray)."""
    data = path.read_bytes()
    fields, pos = [], 2
    while len(fields) < 3:
        while data[pos:pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(int(data[pos:end]))
        pos = end
    return fields[0], fields[1], data[pos + 1:]


def seen_text(path, blob, pws):
    """Poppler's words that its own rendering of the page shows."""
    cache = RESULTS / "poppler-seen" / f"{blob}.txt"
    if cache.exists():
        return cache.read_text()
    html, pw = "", []
    for opts in [[]] + [[flag, p] for p in pws for flag in ["-upw", "-opw"]]:
        html, _ = run(["pdftotext", "-cropbox", "-bbox", "-enc", "UTF-8", *opts, str(path), "-"])
        if html and "<word " in html:
            pw = opts
            break
    if not (html and "<word " in html):
        return None
    words = []
    pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html or "", re.S)
    import html as htmlmod
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        for n, (_, _, body) in enumerate(pages[:SEEN_MAX_PAGES], start=1):
            boxes = re.findall(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" '
                               r'yMax="([-\d.]+)">(.*?)</word>', body)
            if not boxes:
                continue
            prefix = Path(tmp) / f"p{n}"
            run(["pdftoppm", "-cropbox", "-gray", "-r", str(SEEN_DPI), "-f", str(n), "-l", str(n),
                 "-singlefile", *pw, str(path), str(prefix)])
            pgm = prefix.with_suffix(".pgm")
            if not pgm.exists():
                words += [htmlmod.unescape(b[4]) for b in boxes]
                continue
            w, h, grey = read_pgm(pgm)
            k = SEEN_DPI / 72
            for x0, y0, x1, y1, word in boxes:
                xa, xb = max(0, int(float(x0) * k)), min(w, int(float(x1) * k) + 1)
                ya, yb = max(0, int(float(y0) * k)), min(h, int(float(y1) * k) + 1)
                values = [grey[y * w + x] for y in range(ya, yb) for x in range(xa, xb)]
                if values and max(values) - min(values) > SEEN_SPREAD:
                    words.append(htmlmod.unescape(word))
        for _, _, body in pages[SEEN_MAX_PAGES:]:
            words += [htmlmod.unescape(m) for m in re.findall(r">([^<]*)</word>", body)]
    text = " ".join(words)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(text)
    return text


def kaitsu_text(kaitsu, path, pws):
    cmd = [kaitsu, "text", "--reveal-secrets"]
    for pw in pws:
        cmd += ["--password", pw]
    out, err = run(cmd + [str(path)])
    if out is None:
        return "", "timeout"
    out = re.sub(r"^--- page \d+ ---$", "", out, flags=re.M)
    if "panicked" in err:
        err = "PANIC " + err
    return out, err


def score_one(row, kaitsu, fragments):
    path = PDFS / row["repository"].replace("/", "+") / row["path"]
    key = f"{row['repository']}:{row['path']}"
    if not path.exists():
        return None
    pws = passwords_for(key)
    pop = poppler_text(path, row["blob"], pws)
    kai, err = kaitsu_text(kaitsu, path, pws)
    pc, kc = chars(pop), chars(kai)
    frags = [chars(f) for f in fragments.get(key, [])]
    plain = agreement(pc, kc)
    seen = plain
    if plain < AGREE and (shown := seen_text(path, row["blob"], pws)) is not None:
        seen = max(plain, agreement(chars(shown), kc))
    return {
        "file": key,
        "agreement": f"{plain:.4f}",
        "seen_agreement": f"{seen:.4f}",
        "poppler_chars": len(pc),
        "kaitsu_chars": len(kc),
        "fragments": len(frags),
        "poppler_found": sum(f in pc for f in frags),
        "kaitsu_found": sum(f in kc for f in frags),
        "both_found": sum(f in pc and f in kc for f in frags),
        "error": err[:200].replace("\t", " "),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kaitsu", default=str(ROOT / "target" / "release" / "kaitsu"))
    ap.add_argument("--label", default="current")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--compare")
    args = ap.parse_args()
    fragments = json.loads((HERE / "fragments.json").read_text())
    with open(HERE / "manifest.tsv", newline="") as f:
        manifest = list(csv.DictReader(f, delimiter="\t"))
    with ThreadPoolExecutor(args.jobs) as pool:
        rows = [r for r in pool.map(lambda r: score_one(r, args.kaitsu, fragments), manifest) if r]
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{args.label}.tsv"
    with open(out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter="\t")
        w.writeheader()
        w.writerows(rows)
    n = len(rows)
    agree = sum(float(r["agreement"]) >= AGREE for r in rows)
    seen = sum(float(r["seen_agreement"]) >= AGREE for r in rows)
    no_text = sum(r["poppler_chars"] >= HAS_TEXT and r["kaitsu_chars"] == 0 for r in rows)
    panics = sum(r["error"].startswith("PANIC") or r["error"] == "timeout" for r in rows)
    frag_total = sum(r["fragments"] for r in rows)
    pop_found = sum(r["poppler_found"] for r in rows)
    kai_found = sum(r["kaitsu_found"] for r in rows)
    both = sum(r["both_found"] for r in rows)
    print(f"| tool | files | >= {AGREE:.0%} agreement | same, poppler's seen words | fragments found "
          f"(of {frag_total}) | of those poppler finds | no text where poppler has text | panics/timeouts |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    print(f"| poppler (reference) | {n} | 100 % | 100 % | {pop_found} | {pop_found} | 0 | |")
    print(f"| kaitsu `{args.label}` | {n} | {agree / n:.1%} ({agree}) | {seen / n:.1%} ({seen}) | {kai_found} "
          f"| {both} of {pop_found} | {no_text} | {panics} |")
    print(f"per-file figures: {out.relative_to(ROOT)}")
    if args.compare:
        with open(args.compare, newline="") as f:
            old = {r["file"]: r for r in csv.DictReader(f, delimiter="\t")}
        for r in rows:
            o = old.get(r["file"])
            if o and abs(float(o["agreement"]) - float(r["agreement"])) >= 0.005:
                print(f"{float(o['agreement']):.3f} -> {float(r['agreement']):.3f}  {r['file']}")


if __name__ == "__main__":
    main()
