"""A snapshot test written the way a user would write one for their own notices.

syrupy stores each record as JSON under ``__snapshots__/``; run
``pytest --snapshot-update`` after a deliberate change and review the diff
before committing it. ``today`` is pinned so expiry findings do not move
with the calendar; secrets stay redacted, so the snapshots can be committed.
"""

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

import kaitsu
from conftest import ROOT

SAMPLES = sorted((ROOT / "samples").glob("*.pdf"))


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("pdf", SAMPLES, ids=lambda p: p.stem)
def test_my_sample_notices(pdf, snapshot_json):
    # Name the record by the file name: the absolute path differs per checkout.
    record = kaitsu.parse(pdf.read_bytes(), today="2024-06-01")
    record["source"] = pdf.name
    assert record == snapshot_json
