"""In-process text extraction by one peer library over a list of PDFs.

    python peers.py PEER LIST.tsv ROUNDS

LIST.tsv holds `path<TAB>password` lines (empty password: none). Opens every
file and extracts the text of every page, ROUNDS times over, in this one
process, and prints `seconds ok failed` (failed: files the peer refused).
Run by bench/targets.py with the bench's venv Python.
"""

import sys
import time


def pypdfium2_text(path, password):
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(path, password=password or None)
    out = []
    for i in range(len(doc)):
        page = doc[i]
        tp = page.get_textpage()
        out.append(tp.get_text_range())
        tp.close()
        page.close()
    doc.close()
    return out


def pymupdf_text(path, password):
    import pymupdf

    doc = pymupdf.open(path)
    if doc.needs_pass and not doc.authenticate(password or ""):
        raise RuntimeError("password")
    out = [page.get_text() for page in doc]
    doc.close()
    return out


def pdf_oxide_text(path, password):
    from pdf_oxide import PdfDocument

    doc = PdfDocument(path, password=password) if password else PdfDocument(path)
    return [doc.extract_text(i) for i in range(doc.page_count())]


PEERS = {"pypdfium2": pypdfium2_text, "pymupdf": pymupdf_text, "pdf_oxide": pdf_oxide_text}


def main():
    peer, listing, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    extract = PEERS[peer]
    # Import the library before the clock starts: its import is start-up,
    # not extraction.
    __import__({"pymupdf": "pymupdf", "pypdfium2": "pypdfium2", "pdf_oxide": "pdf_oxide"}[peer])
    files = []
    with open(listing, encoding="utf-8") as f:
        for line in f:
            path, _, password = line.rstrip("\n").partition("\t")
            files.append((path, password))
    ok = failed = 0
    start = time.perf_counter()
    for _ in range(rounds):
        for path, password in files:
            try:
                extract(path, password)
                ok += 1
            except Exception:  # a peer refusing a file is counted, not fatal
                failed += 1
    print(f"{time.perf_counter() - start:.4f} {ok} {failed}")


if __name__ == "__main__":
    main()
