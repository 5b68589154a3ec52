"""The TypedDicts of ``kaitsu`` match the record's JSON Schema field for field."""

import typing

import pytest

import kaitsu

PAIRS = [
    ("NoticeRecord", kaitsu.NoticeRecord),
    ("UserRecord", kaitsu.UserRecord),
    ("DnsRecord", kaitsu.DnsRecord),
    ("DnsServerRecord", kaitsu.DnsServerRecord),
    ("ErrorRecord", kaitsu.ErrorRecord),
    ("FindingRecord", kaitsu.FindingRecord),
]


@pytest.mark.parametrize("name, typed", PAIRS, ids=[p[0] for p in PAIRS])
def test_typed_dict_fields_are_the_schema_s(name, typed):
    schema = kaitsu.schema()["$defs"][name]
    assert set(typing.get_type_hints(typed)) == set(schema["properties"])


def test_record_fields_are_the_schema_s():
    properties = set(kaitsu.schema()["properties"])
    # provenance is typed ahead of the Rust record carrying it.
    assert set(typing.get_type_hints(kaitsu.Record)) - {"provenance"} == properties - {"provenance"}
