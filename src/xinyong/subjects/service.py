"""Subject registry operations (信用主体): deterministic ids and bulk upsert.

Used by ingestion (every record's subject) and by the demo generator (subjects with their pilot,
carrier and attributes, before their records are ingested).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from xinyong.programmes.service import district_of
from xinyong.subjects.identifiers import check_citizen_id, check_uscc, clean_code
from xinyong.subjects.models import SUBJECT_KINDS, Subject

SUBJECT_COLUMNS = (
    "id",
    "kind",
    "name",
    "uscc",
    "id_number",
    "local_code",
    "division_code",
    "district_code",
    "legal_rep",
    "industry",
    "address",
    "registered_on",
    "pilot",
    "parent_id",
    "attributes",
    "source",
    "first_seen",
    "last_seen",
)


class SubjectError(ValueError):
    """A subject row that cannot be registered; message in Chinese and English."""


def subject_id_for(kind: str, identifier: str) -> str:
    """Deterministic subject id: "s" + the first 23 hex digits of sha256(namespace ":" identifier).

    `identifier` is the normalised USCC, citizen ID number or local code. `kind` (a subject kind)
    only chooses the namespace — "person" → personal IDs, any other kind → organisations — so a
    subject keeps its id when its kind is corrected (enterprise ↔ individual business). Ingestion
    and upsert_subjects use the "person" namespace exactly when the citizen ID is the primary
    identifier (no USCC, no local code), so pass kind="person" for a citizen ID, else anything.
    """
    namespace = "person" if kind == "person" else "org"
    digest = hashlib.sha256(f"{namespace}:{identifier}".encode())
    return "s" + digest.hexdigest()[:23]


def derive_kind(
    *, uscc: str | None = None, id_number: str | None = None, local_code: str | None = None
) -> str:
    """Subject kind from the identifier when the source does not say: citizen ID → person;
    USCC registration authority/type (GB 32100-2015 chars 1-2): 11-13 → government body,
    92 → individual business, N → village collective, other → enterprise; only a local code → carrier."""
    if uscc:
        if uscc[:2] in {"11", "12", "13"}:
            return "government"
        if uscc.startswith("92"):
            return "individual_business"
        if uscc.startswith("N"):
            return "village"
        return "enterprise"
    if id_number:
        return "person"
    return "carrier"


def _identifier(row: Mapping[str, Any]) -> tuple[str, str | None, str | None, str | None]:
    """Validated (primary identifier, uscc, id_number, local_code) of an upsert row."""
    uscc = id_number = local_code = None
    if row.get("uscc"):
        check = check_uscc(str(row["uscc"]))
        if not check.valid:
            raise SubjectError(f"统一社会信用代码 {row['uscc']}：{check.reason_zh} / USCC: {check.reason_en}")
        uscc = check.value
    if row.get("id_number"):
        check = check_citizen_id(str(row["id_number"]))
        if not check.valid:
            raise SubjectError(f"身份证号：{check.reason_zh} / ID number: {check.reason_en}")
        id_number = check.value
    if row.get("local_code"):
        local_code = clean_code(str(row["local_code"]))
    # Same order as ingestion: a citizen ID is the primary identifier only without USCC/local code.
    primary = uscc or local_code or id_number
    if not primary:
        raise SubjectError(
            "缺少主体标识（统一社会信用代码、身份证号或本地编码）/ "
            "no subject identifier (uscc, id_number or local_code)"
        )
    return primary, uscc, id_number, local_code


def subject_values(row: Mapping[str, Any], *, now: dt.datetime) -> dict[str, Any]:
    """One upsert row → the full column dict of a Subject (validated, normalised, id computed)."""
    primary, uscc, id_number, local_code = _identifier(row)
    kind = row.get("kind") or derive_kind(uscc=uscc, id_number=id_number, local_code=local_code)
    if kind not in SUBJECT_KINDS:
        raise SubjectError(
            f"未知主体类别 {kind} / unknown subject kind {kind!r}; known: {', '.join(SUBJECT_KINDS)}"
        )
    name = str(row.get("name") or "").strip()
    if not name:
        raise SubjectError(f"主体名称为空（{primary}）/ subject name is empty ({primary})")
    division = row.get("division_code") or (uscc[2:8] if uscc else id_number[:6] if id_number else None)
    personal = primary == id_number and not uscc and not local_code
    subject_id = row.get("id") or subject_id_for("person" if personal else "org", primary)
    id_number = id_number if personal else None  # an organisation's row may carry its representative's ID
    return {
        "id": subject_id,
        "kind": kind,
        "name": name,
        "uscc": uscc,
        "id_number": id_number,
        "local_code": local_code,
        "division_code": division,
        "district_code": row.get("district_code") or district_of(division),
        "legal_rep": row.get("legal_rep"),
        "industry": row.get("industry"),
        "address": row.get("address"),
        "registered_on": row.get("registered_on"),
        "pilot": row.get("pilot"),
        "parent_id": row.get("parent_id"),
        "attributes": dict(row.get("attributes") or {}),
        "source": row.get("source") or "registry",
        "first_seen": now,
        "last_seen": now,
    }


def upsert_subjects(
    session: Session | Connection,
    rows: Iterable[Mapping[str, Any]],
    *,
    now: dt.datetime | None = None,
    chunk: int = 5000,
) -> list[str]:
    """Insert new subjects and refresh known ones, in the caller's transaction; return their ids
    in input order.

    Each row is a dict with:
      kind (enterprise | individual_business | person | government | village | carrier; optional —
      derived from the identifier, see derive_kind), name (required), and at least one of
      uscc / id_number / local_code (validated and normalised: full-width, spaces, lower case);
      optional: district_code (default: derived from the division code in the identifier via
      programmes.service.district_of), division_code, legal_rep, industry, address,
      registered_on (date), pilot (programme pilot id), parent_id (the carrier's subject id —
      upsert carriers first), attributes (dict), source (default "registry"), id (default
      subject_id_for(kind, identifier)).
    A new subject gets first_seen = last_seen = now. A known one (same id) keeps first_seen and
    gets last_seen = now; the other columns are overwritten only by values the row gives (None
    never erases). Raises SubjectError (Chinese / English) for a bad identifier or kind.
    """
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = list(rows)
    values = [subject_values(r, now=now) for r in rows]
    conn = session.connection() if isinstance(session, Session) else session
    ids = [v["id"] for v in values]
    existing: set[str] = set()
    unique_ids = list(dict.fromkeys(ids))
    for start in range(0, len(unique_ids), chunk):
        part = unique_ids[start : start + chunk]
        existing |= set(conn.execute(select(Subject.id).where(Subject.id.in_(part))).scalars())
    fresh: dict[str, dict[str, Any]] = {}
    for row, v in zip(rows, values, strict=True):
        # Only what the row states overwrites: a derived kind/district never replaces a curated one.
        stated = {k: v[k] for k in _UPDATABLE if row.get(k) not in (None, "", {})}
        if v["id"] in existing:
            conn.execute(update(Subject).where(Subject.id == v["id"]).values(**stated, last_seen=now))
        elif v["id"] in fresh:
            fresh[v["id"]].update(stated)
        else:
            fresh[v["id"]] = v
    rows_in = list(fresh.values())
    for start in range(0, len(rows_in), chunk):
        conn.execute(Subject.__table__.insert(), rows_in[start : start + chunk])
    return ids


_UPDATABLE = (
    "kind",
    "name",
    "uscc",
    "id_number",
    "local_code",
    "division_code",
    "district_code",
    "legal_rep",
    "industry",
    "address",
    "registered_on",
    "pilot",
    "parent_id",
    "attributes",
)
