"""Reading records back: lookups, publicity status as of a date, and content verification.

Records are written only by ingestion (xinyong.ingest.service). A record's id is stable (the
content hash of its first version); `content_id` is the sha256 of its current canonical content
(docs/ingest.md "Record identity"), which `content_matches` recomputes. A correction (更正) adds a
version: `record_history` lists them, `versions_until` gives the ones recorded by a date (the
last of them was current then).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.catalogue.service import load_catalogue
from xinyong.records.identity import content_id
from xinyong.records.models import Record, RecordVersion

VERSION_CONTENT = (
    "occurred_on",
    "publicity_until",
    "valid_until",
    "severity",
    "amount",
    "fields",
    "original",
)


class RecordNotFound(LookupError):
    """No record with this id; the message is in Chinese and English."""

    def __init__(self, record_id: str) -> None:
        super().__init__(f"没有编号为 {record_id} 的信用记录 / no record {record_id}")
        self.record_id = record_id


def get_record(session: Session, record_id: str) -> Record | None:
    return session.get(Record, record_id)


def list_records(
    session: Session,
    *,
    subject_id: str | None = None,
    kind: str | None = None,
    batch_id: int | None = None,
    source: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Record]:
    """Records newest first (by occurred_on, then id for a stable order)."""
    query = select(Record)
    for column, value in (
        (Record.subject_id, subject_id),
        (Record.kind, kind),
        (Record.batch_id, batch_id),
        (Record.source, source),
    ):
        if value is not None:
            query = query.where(column == value)
    query = query.order_by(Record.occurred_on.desc().nulls_last(), Record.id).limit(limit).offset(offset)
    return list(session.scalars(query))


def publicity_status(record: Record, as_of: dt.date) -> str:
    """ "publicised" while as_of ≤ publicity_until (or open-ended), "expired" after it, "none" for
    kinds without publicity (catalogue rule `none`) — time is a parameter, never today implicitly."""
    rule = (
        load_catalogue().kinds[record.kind].publicity.mode
        if record.kind in load_catalogue().kinds
        else "none"
    )
    if rule == "none" and record.publicity_until is None:
        return "none"
    if record.occurred_on is not None and as_of < record.occurred_on:
        return "none"  # not yet happened as of that date
    if record.publicity_until is None or as_of <= record.publicity_until:
        return "publicised"
    return "expired"


def content_matches(record: Record) -> bool:
    """Whether the record's fields still hash to its content id (a change behind the store's back
    fails)."""
    spec = load_catalogue().kinds.get(record.kind)
    if spec is None:
        return False
    return content_id(spec, record.source, record.subject_id, record.fields) == record.content_id


def _version_dict(
    version: int,
    content_id_: str,
    batch_id: int | None,
    recorded_at: dt.datetime,
    seq: int | None,
    values: Any,
    current: bool,
) -> dict[str, Any]:
    out = {
        "version": version,
        "content_id": content_id_,
        "batch_id": batch_id,
        "recorded_at": recorded_at,
        "seq": seq,
        "current": current,
    }
    out.update({k: getattr(values, k) for k in VERSION_CONTENT})
    return out


def record_history(session: Session, record_id: str) -> list[dict[str, Any]]:
    """Every version of a record, oldest first: dicts with version, content_id, batch_id,
    recorded_at (UTC), seq, current (bool) and the content columns (occurred_on, publicity_until,
    valid_until, severity, amount in CNY, fields, original). An uncorrected record has one version,
    its row as collected. Raises RecordNotFound."""
    record = session.get(Record, record_id)
    if record is None:
        raise RecordNotFound(record_id)
    rows = list(
        session.scalars(
            select(RecordVersion).where(RecordVersion.record_id == record_id).order_by(RecordVersion.version)
        )
    )
    if not rows:
        return [
            _version_dict(1, record.content_id, record.batch_id, record.first_seen, record.seq, record, True)
        ]
    return [
        _version_dict(
            v.version, v.content_id, v.batch_id, v.recorded_at, v.seq, v, v.version == record.version
        )
        for v in rows
    ]


def version_histories(session: Session, record_ids: Iterable[str]) -> dict[str, list[RecordVersion]]:
    """The stored versions of each corrected record among `record_ids`, oldest first (records
    never corrected have none and are left out)."""
    ids = sorted(set(record_ids))
    out: dict[str, list[RecordVersion]] = {}
    for start in range(0, len(ids), 5000):
        rows = session.scalars(
            select(RecordVersion)
            .where(RecordVersion.record_id.in_(ids[start : start + 5000]))
            .order_by(RecordVersion.record_id, RecordVersion.version)
        )
        for v in rows:
            out.setdefault(v.record_id, []).append(v)
    return out


def versions_until(history: list[RecordVersion], as_of: dt.date) -> list[RecordVersion]:
    """The versions recorded by the end of `as_of` (UTC date of recorded_at), oldest first; the last
    is the one that was current then. Version 1 always counts: a record corrected only after `as_of`
    shows what was first collected."""
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    return [v for v in history if v.version == 1 or v.recorded_at < end]


def move_records(
    session: Session, record_ids: Iterable[str], *, to_subject_id: str, cause: dict[str, Any]
) -> list[tuple[str, str]]:
    """File records under another subject (a subject merge or its undoing, xinyong.subjects.merge):
    the one way a record's subject changes. In the caller's transaction, for each record not already
    there: `subject_id` becomes `to_subject_id`, `content_id` the hash of its content under that subject
    (the content hash names the subject, docs/ingest.md), `seq` a new commit sequence number (the
    evaluation snapshot re-exports it), and a `record.subject_changed` ledger leaf commits to the new
    subject and content id (with the previous ones and `cause`, e.g. {"merge_id": 3}). The record id,
    its fields, versions and provenance stay. Returns [(record id, previous subject id)]."""
    from xinyong.ledger.service import append_events
    from xinyong.records.models import reserve_seq

    ids = sorted(set(record_ids))
    rows = []
    for start in range(0, len(ids), 5000):
        rows += session.execute(
            select(Record.id, Record.kind, Record.source, Record.subject_id, Record.fields, Record.content_id)
            .where(Record.id.in_(ids[start : start + 5000]), Record.subject_id != to_subject_id)
            .order_by(Record.id)
        ).all()
    if not rows:
        return []
    conn = session.connection()
    seq = reserve_seq(conn, len(rows))
    kinds = load_catalogue().kinds
    events, moved = [], []
    for j, (rid, kind, source, old_subject, fields, old_cid) in enumerate(rows):
        new_cid = content_id(kinds[kind], source, to_subject_id, fields or {})
        session.execute(
            Record.__table__.update()
            .where(Record.id == rid)
            .values(subject_id=to_subject_id, content_id=new_cid, seq=seq + j)
        )
        events.append(
            {
                "type": "record.subject_changed",
                "record_id": rid,
                "kind": kind,
                "subject_id": to_subject_id,
                "previous_subject_id": old_subject,
                "content_id": new_cid,
                "previous_content_id": old_cid,
                **cause,
            }
        )
        moved.append((rid, old_subject))
    append_events(session, events)
    return moved
