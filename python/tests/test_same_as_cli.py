"""Every fixture gives, through Python, exactly the CLI's record."""

import json

import pytest

import kaitsu
from conftest import TODAY, cli_lines, dumps, fixture_passwords, fixture_pdfs, run_cli

PDFS = fixture_pdfs()
PASSWORDS = fixture_passwords()
PW_FLAGS = [f for pw in PASSWORDS for f in ("--password", pw)]


@pytest.fixture(scope="module")
def cli_redacted():
    return cli_lines(PDFS, "--today", TODAY, *PW_FLAGS)


@pytest.fixture(scope="module")
def cli_revealed():
    return cli_lines(PDFS, "--today", TODAY, "--reveal-secrets", *PW_FLAGS)


def test_the_corpus_is_there():
    assert len(PDFS) >= 70
    assert PASSWORDS, "some fixtures are encrypted"


@pytest.mark.parametrize("pdf", PDFS)
def test_record_is_the_cli_record_byte_for_byte(pdf, cli_redacted, cli_revealed):
    record = kaitsu.parse(pdf, passwords=PASSWORDS, today=TODAY)
    assert dumps(record) == cli_redacted[pdf]
    revealed = kaitsu.parse(pdf, passwords=PASSWORDS, today=TODAY, reveal_secrets=True)
    assert dumps(revealed) == cli_revealed[pdf]


def test_parse_many_gives_the_cli_records_in_order(cli_redacted):
    records = list(kaitsu.parse_many(PDFS, jobs=2, passwords=PASSWORDS, today=TODAY))
    assert [dumps(r) for r in records] == [cli_redacted[p] for p in PDFS]


def test_unreadable_inputs_are_the_cli_error_records(tmp_path):
    missing = "no/such/notice.pdf"
    directory = "fixtures"
    lines = cli_lines([missing, directory], "--today", TODAY)
    for source in (missing, directory):
        record = kaitsu.parse(source, today=TODAY)
        assert record["error"]["kind"] == "io"
        assert dumps(record) == lines[source]


def test_a_policy_file_or_mapping_gives_the_cli_findings(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text("warn_days: 400\nseverities:\n  password_expiring: error\n", encoding="utf-8")
    pdf = "samples/rl_unijis_address_dns_hyphen.pdf"
    line = cli_lines([pdf], "--today", "2023-09-20", "--policy", str(policy))[pdf]
    assert "password_expiring" in line
    from_file = kaitsu.parse(pdf, today="2023-09-20", policy=policy)
    from_mapping = kaitsu.parse(
        pdf,
        today="2023-09-20",
        policy={"warn_days": 400, "severities": {"password_expiring": "error"}},
    )
    assert dumps(from_file) == line
    assert dumps(from_mapping) == line


def test_schema_is_the_cli_schema():
    done = run_cli("schema")
    assert done.returncode == 0
    assert kaitsu.schema() == json.loads(done.stdout)


@pytest.mark.parametrize(
    "candidate",
    ["short", "longenoughbutnoupper1!", "Good-Password-2024", "Bad Password 2024!"],
)
def test_check_password_is_the_cli_password_check(candidate):
    done = run_cli("password-check", "--user-id", "x", stdin=candidate + "\n")
    lines = done.stdout.decode("utf-8").splitlines()
    got = kaitsu.check_password(candidate)
    if got:
        assert [f"{f['code']}: {f['message']}" for f in got] == lines
        assert done.returncode == 1
    else:
        assert lines == ["ok: the password meets every rule"]
        assert done.returncode == 0
