#!/usr/bin/env python3
"""Builds the real-world corpus manifest and the upstream-asserted text fragments.

Reads bare git snapshots of the three public test suites (pdf.js, pdfium,
pdfminer.six) and writes, beside this script:

- manifest.tsv: repository, path, git blob id and size of every PDF the
  snapshot holds (files the snapshot lacks, 4 MiB and more, are left out);
- passwords.json: per manifest path, the passwords the upstream tests open
  it with (pdf.js's test_manifest.json, pdfium's OpenDocumentWithPassword
  calls and its security-handler tests, pdfminer's `--password foo`);
- fragments.json: per manifest path, the text fragments the upstream tests
  assert (pdfminer's extract_text strings, pdf.js's getTextContent tests,
  pdfium's FPDFText tests), found by a heuristic read of the test sources.

Usage: make_manifest.py MIRROR_ROOT   (MIRROR_ROOT/owner+name/repo is a git dir)
"""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPOS = {
    "mozilla/pdf.js": ["test/pdfs/"],
    "chromium/pdfium": ["testing/resources/"],
    "pdfminer/pdfminer.six": ["samples/"],
}
# Smallest fragment worth checking: shorter ones match by chance.
MIN_FRAGMENT_CHARS = 4


def git(gitdir, *args):
    return subprocess.run(
        ["git", "-C", str(gitdir), *args], check=True, capture_output=True
    ).stdout


def show(gitdir, path):
    try:
        return git(gitdir, "show", f"HEAD:{path}").decode("utf-8", "replace")
    except subprocess.CalledProcessError:
        return ""


def present(gitdir, blob):
    r = subprocess.run(["git", "-C", str(gitdir), "cat-file", "-e", blob], capture_output=True)
    return r.returncode == 0


def split_fragments(text):
    out = []
    for piece in re.split(r"[\r\n\f]+", text):
        piece = piece.strip()
        if "(cid:" in piece:
            continue
        if len(re.sub(r"\s", "", piece)) >= MIN_FRAGMENT_CHARS and re.search(r"\w", piece):
            out.append(piece)
    return out


def c_literal(s):
    """Decodes a C/JS string literal body (no quotes)."""
    try:
        return ast.literal_eval('"' + s + '"')
    except (ValueError, SyntaxError):
        return s


def pdfminer_fragments(gitdir, names):
    src = show(gitdir, "tests/test_highlevel_extracttext.py")
    m = re.search(r"^test_strings = (\{.*?^\})", src, re.S | re.M)
    frags = {}
    if not m:
        return frags
    for key, text in ast.literal_eval(m.group(1)).items():
        path = "samples/" + key
        if path in names:
            frags.setdefault(path, []).extend(split_fragments(text))
    return frags


LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def blocks(src, opener):
    """Splits a test source into blocks starting at each `opener` match."""
    starts = [m.start() for m in re.finditer(opener, src)] + [len(src)]
    return [src[a:b] for a, b in zip(starts, starts[1:])]


def literal_fragments(block, consts):
    frags = []
    for lit in LITERAL.findall(block):
        text = c_literal(lit)
        if text.lower().endswith(".pdf") or "/" in text or "_" in text:
            continue
        frags.extend(split_fragments(text))
    for name in re.findall(r"\bk[A-Z]\w*", block):
        frags.extend(consts.get(name, []))
    return frags


def pdfjs_fragments(gitdir, names):
    frags = {}
    for test in ["test/unit/api_spec.js", "test/unit/text_layer_spec.js"]:
        src = show(gitdir, test)
        for block in blocks(src, r"\n\s*it\(\s*[\"'`]"):
            if "getTextContent" not in block and "textContent" not in block:
                continue
            files = set(re.findall(r'buildGetDocumentParams\(\s*"([^"]+\.pdf)"', block))
            if len(files) != 1:
                continue
            path = "test/pdfs/" + files.pop()
            if path not in names:
                continue
            body = [b for b in re.split(r"\n", block) if "str:" in b or "toEqual" in b or "toContain" in b or "toMatch" in b or re.match(r'\s*"', b)]
            frags.setdefault(path, []).extend(literal_fragments("\n".join(body), {}))
    return frags


def pdfium_fragments(gitdir, names):
    frags = {}
    src = show(gitdir, "fpdfsdk/fpdf_text_embeddertest.cpp")
    consts = {}
    for m in re.finditer(r"(?:constexpr|const)\s+(?:char|wchar_t)\s+(k\w+)\[\]\s*=\s*((?:\s*L?\"(?:[^\"\\\n]|\\.)*\")+)", src):
        text = "".join(c_literal(x) for x in LITERAL.findall(m.group(2)))
        consts[m.group(1)] = split_fragments(text)
    for block in blocks(src, r"\nTEST_F\("):
        files = set(re.findall(r'OpenDocument\w*\(\s*"([^"]+\.pdf)"', block))
        if len(files) != 1:
            continue
        path = "testing/resources/" + files.pop()
        if path not in names:
            continue
        body = "\n".join(b for b in block.split("\n") if "EXPECT" in b or "ASSERT" in b or "char" in b or re.match(r'\s*L?"', b))
        frags.setdefault(path, []).extend(literal_fragments(body, consts))
    return frags


def passwords(root):
    out = {}
    pdfjs = root / "mozilla+pdf.js" / "repo"
    for entry in json.loads(show(pdfjs, "test/test_manifest.json") or "[]"):
        if "password" in entry:
            out.setdefault("mozilla/pdf.js:test/" + entry["file"], []).append(entry["password"])
    pdfium = root / "chromium+pdfium" / "repo"
    src = git(pdfium, "grep", "-h", "-o", "-E", r'WithPassword\("[^"]+\.pdf",\s*"[^"]*"', "HEAD", "--", "*.cpp")
    for m in re.finditer(r'"([^"]+\.pdf)",\s*"([^"]*)"', src.decode("utf-8", "replace")):
        out.setdefault("chromium/pdfium:testing/resources/" + m.group(1), []).append(m.group(2))
    # cpdf_security_handler_embeddertest.cpp opens the hello-world files with
    # kAgeUTF8 / kHotelUTF8 through a helper the grep above does not see.
    for rev in ["r2", "r3", "r5", "r6"]:
        out.setdefault(f"chromium/pdfium:testing/resources/encrypted_hello_world_{rev}.pdf", []).extend(
            ["\u00e2ge", "h\u00f4tel"])
    # pdfminer's tests open samples/encryption/* with --password foo.
    out["pdfminer/pdfminer.six:samples/encryption/*"] = ["foo"]
    return {k: list(dict.fromkeys(v)) for k, v in out.items()}


def main():
    root = Path(sys.argv[1])
    rows, frags = [], {}
    for repo, prefixes in REPOS.items():
        gitdir = root / repo.replace("/", "+") / "repo"
        commit = git(gitdir, "rev-parse", "HEAD").decode().strip()
        names = set()
        for line in git(gitdir, "ls-tree", "-r", "-l", "HEAD").decode("utf-8", "replace").splitlines():
            meta, path = line.split("\t", 1)
            _, _, blob, size = meta.split()
            if not path.lower().endswith(".pdf") or not any(path.startswith(p) for p in prefixes):
                continue
            if not present(gitdir, blob):
                continue
            rows.append((repo, commit, path, blob, size))
            names.add(path)
        finder = {"mozilla/pdf.js": pdfjs_fragments, "chromium/pdfium": pdfium_fragments,
                  "pdfminer/pdfminer.six": pdfminer_fragments}[repo]
        for path, fs in finder(gitdir, names).items():
            uniq = list(dict.fromkeys(fs))
            if uniq:
                frags[f"{repo}:{path}"] = uniq
    rows.sort()
    with open(HERE / "manifest.tsv", "w") as f:
        f.write("repository\tcommit\tpath\tblob\tbytes\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    with open(HERE / "passwords.json", "w") as f:
        json.dump(passwords(root), f, ensure_ascii=False, indent=1, sort_keys=True)
    with open(HERE / "fragments.json", "w") as f:
        json.dump(frags, f, ensure_ascii=False, indent=1, sort_keys=True)
    print(f"{len(rows)} PDFs, {sum(len(v) for v in frags.values())} fragments in {len(frags)} files")


if __name__ == "__main__":
    main()
