"""The record's shape, for type checkers: ``TypedDict``s of plain dicts.

They mirror the Rust record (``kaitsu schema``); ``tests/test_types.py``
checks every field against that schema, so the two cannot drift apart
silently. At run time a record is an ordinary ``dict``.
"""

from typing import Dict, List, Optional, TypedDict


class ErrorRecord(TypedDict):
    """Why an input gave no notice."""

    kind: str
    message: str


class FindingRecord(TypedDict):
    """One validation finding (codes in ``docs/findings.md``)."""

    code: str
    severity: str
    field: Optional[str]
    message: str


class DnsServerRecord(TypedDict):
    role: str
    hostname: Optional[str]
    ip: Optional[str]


class DnsRecord(TypedDict):
    zone: Optional[str]
    control_panel_url: Optional[str]
    auth_id: Optional[str]
    auth_password: Optional[str]
    servers: List[DnsServerRecord]


class UserRecord(TypedDict):
    no: int
    name: Optional[str]
    user_id: Optional[str]
    temporary_password: Optional[str]
    password_reading: Optional[str]
    order: Optional[str]


class NoticeRecord(TypedDict):
    customer_number: Optional[str]
    contract_start_date: Optional[str]
    contractor_name: Optional[str]
    service_name: Optional[str]
    product_name: Optional[str]
    id_count: Optional[int]
    domain: Optional[str]
    login_url: Optional[str]
    dns: Optional[DnsRecord]
    dns_zone_support: Optional[bool]
    users: List[UserRecord]
    temporary_password_expiry: Optional[str]


class ProvenanceRecord(TypedDict):
    """Where a value was read: ``page`` from 1, ``bbox`` ``[x0, y0, x1, y1]``
    in PDF points of the unrotated page (y up)."""

    page: int
    bbox: List[float]


class _RecordBase(TypedDict):
    source: str
    findings: List[FindingRecord]


class Record(_RecordBase, total=False):
    """One input's record: ``notice`` on success, ``error`` otherwise.
    ``provenance`` maps a field path (``users[0].name``) to where it was
    read, when the parser reports it."""

    notice: NoticeRecord
    error: ErrorRecord
    provenance: Dict[str, ProvenanceRecord]
