"""Shared helpers: the repository root, the fixture corpus, and the CLI.

Tests compare the Python package with the ``kaitsu`` command line built from
the same checkout: ``$KAITSU_CLI``, or ``target/release/kaitsu``. CI builds
it in the same step; a missing CLI fails the comparison tests (it does not
skip them).
"""

import json
import os
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "corpus"
SAMPLES = ROOT / "samples"
TODAY = "2024-06-01"


def fixture_pdfs() -> List[str]:
    """Every fixture PDF, as the path relative to the root the CLI is given."""
    return sorted(str(p.relative_to(ROOT)) for p in CORPUS.glob("*.pdf"))


def fixture_passwords() -> List[str]:
    """The PDF passwords the fixtures' expected records name (read, not typed in)."""
    out = set()
    for p in CORPUS.glob("*.expected.json"):
        pw = json.loads(p.read_text(encoding="utf-8")).get("pdf_password")
        if pw:
            out.add(pw)
    return sorted(out)


def cli_path() -> Path:
    path = Path(os.environ.get("KAITSU_CLI", ROOT / "target" / "release" / "kaitsu"))
    if not path.is_file():
        pytest.fail(f"the kaitsu CLI is not at {path}: build it (cargo build --release) or set KAITSU_CLI")
    return path


def run_cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """Runs the CLI from the repository root, without KAITSU_PASSWORD."""
    env = {k: v for k, v in os.environ.items() if k != "KAITSU_PASSWORD"}
    return subprocess.run(
        [str(cli_path()), *args],
        cwd=ROOT,
        env=env,
        input=stdin.encode("utf-8"),
        capture_output=True,
        check=False,
    )


def cli_lines(paths: List[str], *flags: str) -> Dict[str, str]:
    """``kaitsu parse --format ndjson`` of each path: source → its exact line."""
    done = run_cli("parse", "--format", "ndjson", "-q", *flags, *paths)
    assert done.returncode in (0, 1), done.stderr.decode("utf-8", "replace")
    lines = done.stdout.decode("utf-8").splitlines()
    assert len(lines) == len(paths)
    return {json.loads(line)["source"]: line for line in lines}


def dumps(record: dict) -> str:
    """A record as the CLI's NDJSON line (serde_json's compact form)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    # Relative paths in records are the ones the user gave: run where the CLI runs.
    monkeypatch.chdir(ROOT)
