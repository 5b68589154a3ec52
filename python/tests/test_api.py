"""The Python API: bytes input, parallel order, misuse, and secrets."""

import datetime
import threading
from pathlib import Path

import pytest

import kaitsu
from conftest import TODAY, fixture_passwords, fixture_pdfs

SAMPLE = "samples/rl_unijis_address_dns_hyphen.pdf"


def test_bytes_give_the_path_s_notice_and_findings():
    from_path = kaitsu.parse(SAMPLE, today=TODAY)
    data = Path(SAMPLE).read_bytes()
    for given in (data, bytearray(data), memoryview(data)):
        from_bytes = kaitsu.parse(given, today=TODAY)
        assert from_bytes["source"] == kaitsu.BYTES_SOURCE
        assert from_bytes["notice"] == from_path["notice"]
        assert from_bytes["findings"] == from_path["findings"]


def test_bad_bytes_are_an_error_record_not_an_exception():
    record = kaitsu.parse(b"%PDF-1.7\ntruncated")
    assert record == {
        "source": "<bytes>",
        "error": record["error"],
        "findings": [],
    }
    assert record["error"]["kind"] == "corrupt"
    assert record["error"]["message"].startswith("<bytes>: ")


def test_path_like_and_str_are_the_same():
    assert kaitsu.parse(Path(SAMPLE), today=TODAY) == kaitsu.parse(SAMPLE, today=TODAY)


def test_today_as_date_or_string():
    assert kaitsu.parse(SAMPLE, today=datetime.date(2030, 1, 1)) == kaitsu.parse(
        SAMPLE, today="2030-01-01"
    )
    codes = [f["code"] for f in kaitsu.parse(SAMPLE, today="2030-01-01")["findings"]]
    assert "password_expired" in codes


def test_parse_many_keeps_input_order_whatever_the_jobs():
    pdfs = fixture_pdfs()
    data = Path(SAMPLE).read_bytes()
    # Slow (Chromium, 40 users) and fast files, bytes and missing paths, mixed.
    sources = (pdfs[::-1] + [data, "missing.pdf"] + pdfs) * 2
    serial = [
        kaitsu.parse(s, passwords=fixture_passwords(), today=TODAY) for s in sources
    ]
    for jobs in (1, 2, 4):
        records = kaitsu.parse_many(sources, jobs=jobs, passwords=fixture_passwords(), today=TODAY)
        assert len(records) == len(sources)
        assert list(records) == serial
        assert len(records) == 0


def test_parse_many_accepts_any_iterable_and_another_thread_may_consume_it():
    pdfs = fixture_pdfs()
    records = kaitsu.parse_many(p for p in pdfs)
    got = []
    t = threading.Thread(target=lambda: got.extend(r["source"] for r in records))
    t.start()
    t.join()
    assert got == pdfs


def test_an_empty_batch_is_empty():
    assert list(kaitsu.parse_many([])) == []


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: kaitsu.parse(42), kaitsu.ArgumentTypeError),
        (lambda: kaitsu.parse(SAMPLE, passwords="one-string"), kaitsu.ArgumentTypeError),
        (lambda: kaitsu.parse(SAMPLE, password=b"bytes"), kaitsu.ArgumentTypeError),
        (lambda: kaitsu.parse(SAMPLE, reveal_secrets="yes"), kaitsu.ArgumentTypeError),
        (lambda: kaitsu.parse(SAMPLE, today="01/06/2024"), kaitsu.ArgumentValueError),
        (lambda: kaitsu.parse(SAMPLE, today=20240601), kaitsu.ArgumentTypeError),
        (lambda: kaitsu.parse(SAMPLE, timeout=0), kaitsu.ArgumentValueError),
        (lambda: kaitsu.parse(SAMPLE, policy={"no_such_key": 1}), kaitsu.PolicyError),
        (lambda: kaitsu.parse(SAMPLE, policy={"severities": {"nope": "error"}}), kaitsu.PolicyError),
        (lambda: kaitsu.parse(SAMPLE, policy="no/such/policy.yaml"), kaitsu.PolicyError),
        (lambda: kaitsu.parse(SAMPLE, policy=3), kaitsu.ArgumentTypeError),
        (lambda: kaitsu.parse_many(SAMPLE), kaitsu.ArgumentTypeError),
        (lambda: kaitsu.parse_many([SAMPLE, None]), kaitsu.ArgumentTypeError),
        (lambda: kaitsu.parse_many([SAMPLE], jobs=-1), kaitsu.ArgumentValueError),
        (lambda: kaitsu.check_password(123), kaitsu.ArgumentTypeError),
        (lambda: kaitsu.check_password("x", notice=SAMPLE), kaitsu.ArgumentValueError),
        (
            lambda: kaitsu.check_password("x", user_id="nobody@example.jp", notice=SAMPLE),
            kaitsu.NoticeError,
        ),
        (lambda: kaitsu.check_password("x", user_id="a", notice="missing.pdf"), kaitsu.NoticeError),
    ],
)
def test_misuse_raises_typed_errors(call, error):
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, kaitsu.KaitsuError)


def test_type_errors_are_also_type_errors():
    with pytest.raises(TypeError):
        kaitsu.parse(42)
    with pytest.raises(ValueError):
        kaitsu.parse(SAMPLE, policy={"warn_days": "soon"})


def test_default_policy_round_trips():
    policy = kaitsu.default_policy()
    assert policy["warn_days"] == 14
    assert kaitsu.parse(SAMPLE, today=TODAY, policy=policy) == kaitsu.parse(SAMPLE, today=TODAY)


def test_check_password_against_the_notice():
    revealed = kaitsu.parse(SAMPLE, reveal_secrets=True)
    user = revealed["notice"]["users"][0]
    codes = [
        f["code"]
        for f in kaitsu.check_password(
            user["temporary_password"], user_id=user["user_id"], notice=SAMPLE
        )
    ]
    assert "same_as_temporary" in codes
    assert kaitsu.check_password("A-new-Passw0rd", user_id=user["user_id"], notice=SAMPLE) == []
