"""No secret reaches a repr(), an exception or a redacted record."""

import pytest

import kaitsu
from conftest import TODAY, fixture_passwords, fixture_pdfs


def secrets_of(record):
    """Every secret value of a revealed record."""
    notice = record.get("notice") or {}
    out = []
    for user in notice.get("users", []):
        out += [user.get("temporary_password"), user.get("password_reading")]
    out.append((notice.get("dns") or {}).get("auth_password"))
    return [s for s in out if s and s != "[REDACTED]"]


@pytest.fixture(scope="module")
def pairs():
    """(redacted, revealed) record of every fixture."""
    pws = fixture_passwords()
    return [
        (
            kaitsu.parse(p, passwords=pws, today=TODAY),
            kaitsu.parse(p, passwords=pws, today=TODAY, reveal_secrets=True),
        )
        for p in fixture_pdfs()
    ]


def test_redacted_records_hold_no_secret(pairs):
    found = 0
    for redacted, revealed in pairs:
        text = repr(redacted) + str(redacted)
        for secret in secrets_of(revealed):
            found += 1
            assert secret not in text, redacted["source"]
    assert found > 100, "the fixtures have secrets to look for"


def test_the_pdf_password_is_in_no_repr_or_error():
    pws = fixture_passwords()
    records = kaitsu.parse_many(fixture_pdfs(), passwords=pws)
    shown = repr(records)
    for record in records:
        shown += repr(record)
    try:
        kaitsu.parse(42, password=pws[0])
    except kaitsu.KaitsuError as e:
        shown += repr(e) + str(e)
    try:
        kaitsu.parse("x.pdf", passwords=[pws[0], 7])
    except kaitsu.KaitsuError as e:
        shown += repr(e) + str(e)
    for pw in pws:
        assert pw not in shown


def test_check_password_never_quotes_the_candidate():
    candidate = "ｆｕｌｌ width Pässword"
    failures = kaitsu.check_password(candidate)
    assert failures
    text = repr(failures)
    for piece in candidate.split():
        assert piece not in text
    try:
        kaitsu.check_password(candidate, user_id="nobody", notice="samples/calc_ipaex_address_dns.pdf")
    except kaitsu.NoticeError as e:
        assert "Pässword" not in repr(e) + str(e)


def test_readings_are_redacted_like_passwords(pairs):
    """A reading spells its password: hidden whenever the password is."""
    readings = 0
    for redacted, revealed in pairs:
        shown = (redacted.get("notice") or {}).get("users", [])
        real = (revealed.get("notice") or {}).get("users", [])
        assert len(shown) == len(real), redacted["source"]
        for hidden, user in zip(shown, real):
            if user.get("password_reading") is not None:
                readings += 1
                assert hidden["password_reading"] == "[REDACTED]", redacted["source"]
    assert readings > 10, "the fixtures have readings to look for"
