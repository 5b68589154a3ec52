"""kaitsu: Japanese activation-notice PDFs (開通のご案内) as typed, validated records.

The records are exactly those of the ``kaitsu parse`` command line (the same
Rust code makes them and serialises them), returned as plain ``dict``::

    import kaitsu

    record = kaitsu.parse("notice.pdf", today="2024-06-01")
    if "error" in record:
        print(record["error"]["kind"], record["error"]["message"])
    else:
        for user in record["notice"]["users"]:
            print(user["user_id"], user["temporary_password"])  # "[REDACTED]"
        for finding in record["findings"]:
            print(finding["severity"], finding["code"], finding["message"])

Bad input (corrupt, encrypted, not a notice, missing file) gives an error
record; only misuse raises, with :class:`KaitsuError` subclasses. Temporary
passwords, their readings and DNS auth passwords are ``"[REDACTED]"`` unless
``reveal_secrets=True``. Unlike the CLI, the ``KAITSU_PASSWORD`` environment
variable is not read: pass ``password=`` explicitly.
"""

from __future__ import annotations

import datetime as _dt
import json as _json
import os as _os
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple, Union

from . import _native
from ._errors import (
    ArgumentTypeError,
    ArgumentValueError,
    KaitsuError,
    NoticeError,
    PolicyError,
)
from ._types import (
    DnsRecord,
    DnsServerRecord,
    ErrorRecord,
    FindingRecord,
    NoticeRecord,
    ProvenanceRecord,
    Record,
    UserRecord,
)

__version__: str = _native.__version__

__all__ = [
    "ArgumentTypeError",
    "DnsRecord",
    "DnsServerRecord",
    "ErrorRecord",
    "FindingRecord",
    "NoticeRecord",
    "ProvenanceRecord",
    "Record",
    "UserRecord",
    "ArgumentValueError",
    "KaitsuError",
    "NoticeError",
    "PolicyError",
    "Records",
    "check_password",
    "default_policy",
    "parse",
    "parse_many",
    "schema",
]

#: What a notice can be given as: a path, or the PDF's bytes.
Source = Union[str, "_os.PathLike[str]", "_os.PathLike[bytes]", bytes, bytearray, memoryview]
#: A policy: a mapping shaped like the policy YAML file, or the file's path.
PolicyArg = Union[Mapping[str, Any], str, "_os.PathLike[str]"]
#: A date: ``datetime.date`` or an ISO string ``"2024-06-01"``.
DateArg = Union[_dt.date, str]

#: The ``source`` of a record made from bytes.
BYTES_SOURCE = "<bytes>"


def _source(source: object) -> Union[str, bytes]:
    if isinstance(source, bytes):
        return source
    if isinstance(source, (bytearray, memoryview)):
        return bytes(source)
    if isinstance(source, str):
        return source
    if isinstance(source, _os.PathLike):
        path = _os.fspath(source)
        return _os.fsdecode(path) if isinstance(path, bytes) else path
    raise ArgumentTypeError(
        "a source is a path (str or os.PathLike) or the PDF's bytes, "
        f"not {type(source).__name__}"
    )


def _passwords(password: Optional[str], passwords: Optional[Iterable[str]]) -> List[str]:
    out: List[str] = []
    if password is not None:
        if not isinstance(password, str):
            raise ArgumentTypeError(f"password must be a str, not {type(password).__name__}")
        out.append(password)
    if passwords is not None:
        if isinstance(passwords, (str, bytes)):
            raise ArgumentTypeError("passwords must be an iterable of str, not a single string")
        for p in passwords:
            if not isinstance(p, str):
                raise ArgumentTypeError(
                    f"passwords must hold str values, not {type(p).__name__}"
                )
            out.append(p)
    return out


def _today(today: Optional[DateArg]) -> Optional[Tuple[int, int, int]]:
    if today is None:
        return None
    if isinstance(today, _dt.datetime):
        today = today.date()
    if isinstance(today, str):
        try:
            today = _dt.date.fromisoformat(today)
        except ValueError:
            raise ArgumentValueError(f"today must be a date like 2024-03-01, not {today!r}") from None
    if isinstance(today, _dt.date):
        return (today.year, today.month, today.day)
    raise ArgumentTypeError(
        f"today must be a datetime.date or an ISO date string, not {type(today).__name__}"
    )


def _policy(policy: Optional[PolicyArg]) -> Tuple[Optional[str], str]:
    """The policy as YAML text for the Rust reader, and a prefix for its errors."""
    if policy is None:
        return None, ""
    if isinstance(policy, Mapping):
        try:
            # JSON is YAML: the Rust reader checks it like a policy file.
            return _json.dumps(dict(policy)), ""
        except (TypeError, ValueError) as e:
            raise PolicyError(f"policy: {e}") from None
    if isinstance(policy, (str, _os.PathLike)):
        path = _os.fspath(policy)
        shown = _os.fsdecode(path)
        try:
            with open(path, encoding="utf-8") as f:
                return f.read(), f"{shown}: "
        except (OSError, UnicodeDecodeError) as e:
            raise PolicyError(f"cannot read the policy file {shown}: {e}") from None
    raise ArgumentTypeError(
        f"policy must be a mapping or a policy file's path, not {type(policy).__name__}"
    )


def _positive_or_none(name: str, value: Optional[float]) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ArgumentTypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    return float(value)


def _jobs(jobs: Optional[int]) -> int:
    if jobs is None:
        return 0
    if isinstance(jobs, bool) or not isinstance(jobs, int):
        raise ArgumentTypeError(f"jobs must be an int, not {type(jobs).__name__}")
    if jobs < 0:
        raise ArgumentValueError("jobs must be 0 (one per core) or more")
    return jobs


def _parser(
    *,
    password: Optional[str],
    passwords: Optional[Iterable[str]],
    reveal_secrets: bool,
    today: Optional[DateArg],
    policy: Optional[PolicyArg],
    timeout: Optional[float],
    jobs: Optional[int] = None,
) -> Any:
    if not isinstance(reveal_secrets, bool):
        raise ArgumentTypeError(
            f"reveal_secrets must be a bool, not {type(reveal_secrets).__name__}"
        )
    policy_yaml, where = _policy(policy)
    try:
        return _native.Parser(
            passwords=_passwords(password, passwords),
            reveal_secrets=reveal_secrets,
            today=_today(today),
            policy_yaml=policy_yaml,
            timeout=_positive_or_none("timeout", timeout),
            jobs=_jobs(jobs),
        )
    except PolicyError as e:
        raise PolicyError(f"{where}{e}") from None


def parse(
    source: Source,
    *,
    password: Optional[str] = None,
    passwords: Optional[Iterable[str]] = None,
    reveal_secrets: bool = False,
    today: Optional[DateArg] = None,
    policy: Optional[PolicyArg] = None,
    timeout: Optional[float] = 10.0,
) -> Record:
    """Parse and validate one notice; return the record ``kaitsu parse`` prints.

    Args:
        source: a path (``str`` or ``os.PathLike``), or the PDF's ``bytes``
            (the record's ``source`` is then ``"<bytes>"``).
        password: a password to try on an encrypted PDF.
        passwords: more passwords; each is tried in turn.
        reveal_secrets: show temporary passwords, readings and DNS auth
            passwords instead of ``"[REDACTED]"``.
        today: the date expiry findings are checked against (default: today);
            a ``datetime.date`` or ``"YYYY-MM-DD"``. Pin it in tests.
        policy: a validation policy: a mapping shaped like the policy YAML
            (``{"warn_days": 30}``) or the path of a policy YAML file.
        timeout: the time budget in seconds (``None``: none); a file over
            it gives a ``timeout`` error record.

    Returns:
        ``{"source", "notice", "findings"}`` or ``{"source", "error",
        "findings"}``; ``error`` has ``kind`` (``encrypted``, ``corrupt``,
        ``no_text_layer``, ``not_a_notice``, ``io``, ``limit_exceeded``,
        ``timeout``) and ``message``.

    Raises:
        ArgumentTypeError, ArgumentValueError: misuse of an argument.
        PolicyError: an invalid or unreadable policy.

    Example::

        >>> record = kaitsu.parse("samples/calc_ipaex_address_dns.pdf", today="2023-10-01")
        >>> record["notice"]["customer_number"]
        'N2270600892'
    """
    src = _source(source)
    parser = _parser(
        password=password,
        passwords=passwords,
        reveal_secrets=reveal_secrets,
        today=today,
        policy=policy,
        timeout=timeout,
    )
    result: Record = _json.loads(parser.parse(src))
    return result


class Records(Iterator[Record]):
    """The records of :func:`parse_many`, in input order.

    The work started when ``parse_many`` was called and runs in Rust threads
    with the GIL released; iterating waits (without the GIL) for the next
    record in order. ``len()`` is the number of records not yet taken. Its
    ``repr`` shows no option (no password).
    """

    __slots__ = ("_stream", "_total")

    def __init__(self, stream: Any, total: int) -> None:
        self._stream = stream
        self._total = total

    def __iter__(self) -> "Records":
        return self

    def __next__(self) -> Record:
        result: Record = _json.loads(next(self._stream))
        return result

    def __len__(self) -> int:
        return len(self._stream)

    def __repr__(self) -> str:
        return f"<kaitsu.Records: {len(self)} of {self._total} left>"


def parse_many(
    sources: Iterable[Source],
    *,
    jobs: Optional[int] = None,
    password: Optional[str] = None,
    passwords: Optional[Iterable[str]] = None,
    reveal_secrets: bool = False,
    today: Optional[DateArg] = None,
    policy: Optional[PolicyArg] = None,
    timeout: Optional[float] = 10.0,
) -> Records:
    """Parse many notices in parallel; yield their records in input order.

    Every source gives exactly one record (an error record for a bad one),
    as ``kaitsu parse -j JOBS`` does. The work runs in Rust threads (``jobs``
    of them; ``None`` or 0: one per core) with the GIL released, and starts
    at once; each record is yielded as soon as it and those before it are
    ready. Other arguments are those of :func:`parse`.

    Raises:
        ArgumentTypeError, ArgumentValueError, PolicyError: as :func:`parse`,
        at the call, before any work starts.

    Example::

        >>> import glob
        >>> for record in kaitsu.parse_many(sorted(glob.glob("samples/*.pdf")), jobs=2):
        ...     print(record["source"], "error" in record)
    """
    if isinstance(sources, (str, bytes, bytearray, memoryview, _os.PathLike)):
        raise ArgumentTypeError(
            "parse_many takes an iterable of sources; use parse() for one"
        )
    try:
        items = [_source(s) for s in sources]
    except TypeError as e:
        if isinstance(e, KaitsuError):
            raise
        raise ArgumentTypeError(f"sources must be iterable: {e}") from None
    parser = _parser(
        password=password,
        passwords=passwords,
        reveal_secrets=reveal_secrets,
        today=today,
        policy=policy,
        timeout=timeout,
        jobs=jobs,
    )
    return Records(parser.parse_many(items), len(items))


def check_password(
    password: str,
    *,
    user_id: Optional[str] = None,
    notice: Optional[Source] = None,
    pdf_passwords: Optional[Iterable[str]] = None,
) -> List[Dict[str, str]]:
    """Check a new password against the service's password rules.

    The rules (at least 10 characters, upper- and lower-case letters, a digit
    and a symbol, nothing else) are those of ``kaitsu password-check``. With
    ``notice`` (a path or bytes) and ``user_id``, the password must also
    differ from that user's temporary password.

    Returns:
        The rules it breaks, as ``{"code", "message"}`` dicts; empty when the
        password may be used. Nothing returned quotes the password.

    Raises:
        ArgumentTypeError, ArgumentValueError: misuse (``notice`` without
        ``user_id``).
        NoticeError: the notice cannot be read, or has no user ``user_id``.

    Example::

        >>> kaitsu.check_password("short")[0]["code"]
        'too_short'
        >>> kaitsu.check_password("Longer-Pass1word")
        []
    """
    if not isinstance(password, str):
        raise ArgumentTypeError(f"password must be a str, not {type(password).__name__}")
    if user_id is not None and not isinstance(user_id, str):
        raise ArgumentTypeError(f"user_id must be a str, not {type(user_id).__name__}")
    if notice is not None and user_id is None:
        raise ArgumentValueError("check_password: a notice needs the user_id to compare with")
    src = None if notice is None else _source(notice)
    failures = _native.check_password(
        password,
        user_id=user_id,
        notice=src,
        passwords=_passwords(None, pdf_passwords),
    )
    return [{"code": code, "message": message} for code, message in failures]


def schema() -> Dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a record, as ``kaitsu schema`` prints it."""
    result: Dict[str, Any] = _json.loads(_native.schema())
    return result


def default_policy() -> Dict[str, Any]:
    """The default validation policy, shaped like the ``policy`` argument."""
    result: Dict[str, Any] = _json.loads(_native.default_policy())
    return result
