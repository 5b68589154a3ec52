"""Every target of issue 13, measured in one run, each with met / not met.

    python3 bench/targets.py --bin target/release/kaitsu --synth target/release/examples/synth_notice \
        [--repeat N] [--venv-python PATH] [--peers-missing NAME,...]

Run by bench/compare.sh, which builds kaitsu, installs poppler-utils and the
Python peers, then calls this. Every comparison is a ratio of two timings
taken in this run, one right after the other, so a machine shared with other
work slows both sides alike. The corpus is every producer: fixtures/corpus
and fixtures/geometry (Chromium with 60-70 Type 3 fonts, 200-user tables,
encrypted files opened with the password their .expected.json gives).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The targets of issue 13.
BATCH_VS_LOOP = 20.0  # batch in one process vs pdftotext -layout per file
ONE_PAGE_PER_S = 3000.0  # one-page notices per second, 2 cores
PER_FILE_VS_PDFTOTEXT = 1.5  # one process per file, every producer
PEERS_RATIO = 2.0  # kaitsu parse+validate vs the fastest text-only peer
RSS_MB = 100.0  # peak RSS, 10 000-file batch
RSS_FILES = 10_000
SCALING = 60.0  # 5 000 users at most 60x the cost of 100


def corpus():
    """(path, password or "") for every fixture PDF of every producer."""
    out = []
    for d in ("fixtures/corpus", "fixtures/geometry"):
        for pdf in sorted((ROOT / d).glob("*.pdf")):
            password = ""
            exp = pdf.with_suffix(".expected.json")
            if exp.exists():
                password = json.loads(exp.read_text(encoding="utf-8")).get("pdf_password") or ""
            out.append((pdf, password))
    return out


def producer(path):
    """The producer group of a fixture, from its name."""
    name = path.name.removeprefix("geo_")
    head, _, rest = name.partition("_")
    if head == "rl":
        sub = rest.partition("_")[0]
        if sub in ("unijis", "rksj"):
            return "reportlab, non-embedded CID font"
        if sub == "ttf":
            return "reportlab, embedded TrueType"
        return "reportlab"
    return {
        "calc": "LibreOffice Calc",
        "writer": "LibreOffice Writer",
        "chromium": "Chromium",
        "gs": "Ghostscript",
        "qpdf": "qpdf (encrypted, object streams)",
        "fpdf2": "fpdf2",
        "typst": "Typst",
        "scan": "OCR text layer",
        "err": "not notices (errors)",
    }.get(head, head)


def pages(path, password):
    cmd = ["pdfinfo"] + (["-upw", password] if password else []) + [str(path)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    m = re.search(r"^Pages:\s+(\d+)", r.stdout, re.M)
    return int(m.group(1)) if m else 0


def copies(files, n, dest):
    """`n` copies of `files` (cycled) in `dest`: distinct files, so no
    cache favours one side. Returns [(copy path, password)]."""
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        src, pw = files[i % len(files)]
        p = dest / f"{i:05d}_{src.name}"
        shutil.copyfile(src, p)
        out.append((p, pw))
    return out


def passwords_yaml(files, path):
    """A --passwords file: `*_<name>` → password for every encrypted source."""
    seen = {}
    for p, pw in files:
        if pw:
            seen[p.name.split("_", 1)[1] if re.match(r"\d{5}_", p.name) else p.name] = pw
    path.write_text(
        "".join(f"{json.dumps('*' + n)}: {json.dumps(pw, ensure_ascii=False)}\n" for n, pw in seen.items()),
        encoding="utf-8",
    )
    return path


def run_quiet(cmd):
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def loop_pdftotext(files):
    t = time.perf_counter()
    for p, pw in files:
        run_quiet(["pdftotext", "-layout"] + (["-upw", pw] if pw else []) + [str(p), "/dev/null"])
    return time.perf_counter() - t


def loop_kaitsu(binary, files):
    t = time.perf_counter()
    for p, pw in files:
        run_quiet([binary, "parse", "--quiet", "--format", "ndjson"] + (["--password", pw] if pw else []) + [str(p)])
    return time.perf_counter() - t


def batch_kaitsu(binary, files, work, jobs=None):
    """Seconds and peak RSS (MB) of one `kaitsu parse` over `files`."""
    listing = work / "list.txt"
    listing.write_text("".join(f"{p}\n" for p, _ in files), encoding="utf-8")
    yaml = passwords_yaml(files, work / "passwords.yaml")
    timefile = work / "time.txt"
    cmd = ["/usr/bin/time", "-v", "-o", str(timefile), binary, "parse", "--quiet", "--format", "ndjson",
           "--passwords", str(yaml)]
    cmd += ["-j", str(jobs)] if jobs else []
    t = time.perf_counter()
    with open(listing, "rb") as stdin:
        subprocess.run(cmd + ["-"], stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    secs = time.perf_counter() - t
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", timefile.read_text())
    return secs, (int(m.group(1)) / 1024 if m else float("nan"))


ROWS = []


def row(target, figure, met, note=""):
    """One line of the report; `met` None: shown for context, not a target."""
    verdict = "-" if met is None else "met" if met else "NOT met"
    ROWS.append((target, figure, verdict, note))
    print(f"  {target:58} {figure:28} {verdict:8} {note}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--synth", required=True)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--venv-python", default="")
    ap.add_argument("--peers-missing", default="")
    ap.add_argument("--markdown", default="", help="also write the table here")
    a = ap.parse_args()
    binary = str(Path(a.bin).resolve())
    files = corpus()
    work = Path(tempfile.mkdtemp(prefix="kaitsu-bench-"))
    try:
        run(a, binary, files, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if a.markdown:
        with open(a.markdown, "w", encoding="utf-8") as f:
            f.write("| target | measured | |\n| --- | --- | --- |\n")
            for t, fig, met, note in ROWS:
                f.write(f"| {t} | {fig}{' (' + note + ')' if note else ''} | {met} |\n")


def run(a, binary, files, work):
    cores = os.cpu_count()
    groups = {}
    for p, pw in files:
        groups.setdefault(producer(p), []).append((p, pw))
    print(f"corpus: {len(files)} fixture PDFs (fixtures/corpus + fixtures/geometry), {len(groups)} producer groups; "
          f"{cores} cores")

    # 1. Batch in one process vs the pdftotext -layout per-file loop.
    batch = copies(files, len(files) * a.repeat, work / "batch")
    for p, _ in batch:
        p.read_bytes()  # warm the page cache for both sides
    base = loop_pdftotext(batch)
    secs, rss = batch_kaitsu(binary, batch, work)
    ratio = base / secs
    print(f"\nbatch of {len(batch)} files (the corpus x {a.repeat}): pdftotext -layout loop {base:.2f} s, "
          f"kaitsu one process {secs:.2f} s ({len(batch) / secs:.0f} files/s), peak RSS {rss:.0f} MB")
    row("batch, one process, vs pdftotext -layout per-file loop", f"{ratio:.1f}x", ratio >= BATCH_VS_LOOP,
        f"target >= {BATCH_VS_LOOP:.0f}x")
    shutil.rmtree(work / "batch")

    # 2. One-page notices per second (the mix, and Chromium alone).
    one_page = [(p, pw) for p, pw in files
                if not p.name.startswith("err_") and pages(p, pw) == 1]
    chromium = [(p, pw) for p, pw in one_page if producer(p) == "Chromium"]
    rates = {}
    for label, sel in (("every producer", one_page), ("Chromium alone", chromium)):
        if not sel:
            continue
        c = copies(sel, 3000, work / "one")
        secs, _ = batch_kaitsu(binary, c, work)
        rates[label] = len(c) / secs
        shutil.rmtree(work / "one")
    print(f"\none-page notices: {len(one_page)} fixtures ({len(chromium)} Chromium), 3 000 copies each run")
    for label, r in rates.items():
        row(f"one-page notices per second, {label}", f"{r:.0f}/s", r >= ONE_PAGE_PER_S,
            f"target >= {ONE_PAGE_PER_S:.0f}/s")

    # 3. One process per file vs pdftotext per file, per producer.
    print("\none process per file, per producer (each file of the group, enough rounds for >= 40 runs):")
    for g in sorted(groups):
        sel = groups[g]
        rounds = max(1, -(-40 // len(sel)))
        sel = sel * rounds
        base = loop_pdftotext(sel)
        k = loop_kaitsu(binary, sel)
        ratio = base / k
        is_target = not g.startswith("not notices")
        row(f"per file vs pdftotext: {g}", f"{ratio:.2f}x ({k / len(sel) * 1000:.1f} vs {base / len(sel) * 1000:.1f} ms)",
            (ratio >= PER_FILE_VS_PDFTOTEXT) if is_target else None,
            f"target >= {PER_FILE_VS_PDFTOTEXT}x" if is_target else "not a target: not notices")

    # 4. In-process peers, text alone, vs kaitsu's full parse + validation.
    print("\nin-process, the notices of the corpus x 3, one core each (peers: text of every page alone; "
          "kaitsu: `kaitsu parse -j 1` batch, full parse + validation + JSON; the Python package calls the same parser):")
    notices = [(p, pw) for p, pw in files if not p.name.startswith("err_")]
    rounds = 3
    listing = work / "peers.tsv"
    listing.write_text("".join(f"{p}\t{pw}\n" for p, pw in notices), encoding="utf-8")
    peer_times = {}
    if a.venv_python:
        for peer in ("pypdfium2", "pdf_oxide", "pymupdf"):
            if peer in a.peers_missing.split(","):
                print(f"  {peer}: not installed (pip failed), skipped")
                continue
            r = subprocess.run([a.venv_python, str(ROOT / "bench/peers.py"), peer, str(listing), str(rounds)],
                               capture_output=True, text=True)
            if r.returncode != 0:
                print(f"  {peer}: failed to run: {r.stderr.strip().splitlines()[-1:]}")
                continue
            t, ok, failed = r.stdout.split()
            peer_times[peer] = float(t)
            print(f"  {peer:10} {float(t):7.3f} s  ({ok} files extracted, {failed} refused)")
    c = copies(notices, len(notices) * rounds, work / "inproc")
    ksecs, _ = batch_kaitsu(binary, c, work, jobs=1)
    print(f"  {'kaitsu':10} {ksecs:7.3f} s  ({len(c)} files, parse + validation + JSON)")
    if peer_times:
        fastest = min(peer_times, key=peer_times.get)
        ratio = peer_times[fastest] / ksecs
        row(f"in-process vs the fastest peer ({fastest})", f"{ratio:.2f}x", ratio >= PEERS_RATIO,
            f"target >= {PEERS_RATIO:.0f}x")
    else:
        row("in-process vs the fastest peer", "no peer installed", False)
    shutil.rmtree(work / "inproc")

    # 5. Peak RSS of a 10 000-file batch.
    c = copies(files, RSS_FILES, work / "rss")
    secs, rss = batch_kaitsu(binary, c, work)
    print(f"\n{RSS_FILES} files in one process: {secs:.2f} s ({RSS_FILES / secs:.0f} files/s)")
    row(f"peak RSS, {RSS_FILES}-file batch", f"{rss:.0f} MB", rss < RSS_MB, f"target < {RSS_MB:.0f} MB")
    shutil.rmtree(work / "rss")

    # 6. Scaling: 100 vs 5 000 users.
    cost = {}
    for users in (100, 5000):
        out = work / f"s{users}.pdf"
        subprocess.run([a.synth, str(users), str(out)], check=True, stdout=subprocess.DEVNULL)
        n = 5
        t = time.perf_counter()
        for _ in range(n):
            run_quiet([binary, "parse", "--quiet", str(out)])
        cost[users] = (time.perf_counter() - t) / n
    ratio = cost[5000] / cost[100]
    print(f"\nscaling: 100 users {cost[100] * 1000:.1f} ms, 5 000 users {cost[5000] * 1000:.1f} ms per parse")
    row("5 000 users vs 100 users (cost linear in pages)", f"{ratio:.1f}x", ratio <= SCALING,
        f"target <= {SCALING:.0f}x")

    print("\nsummary:")
    for t, fig, met, note in ROWS:
        print(f"  {met:8} {t}: {fig}")


if __name__ == "__main__":
    sys.exit(main())
