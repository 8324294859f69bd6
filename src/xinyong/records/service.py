"""Reading records back: lookups, publicity status as of a date, and content verification.

Records are written only by ingestion (xinyong.ingest.service); their id is the sha256 of their
canonical content (docs/ingest.md), which `content_matches` recomputes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.catalogue.service import load_catalogue
from xinyong.ingest.normalise import content_id
from xinyong.records.models import Record


def get_record(session: Session, record_id: str) -> Record | None:
    return session.get(Record, record_id)


def list_records(session: Session, *, subject_id: str | None = None, kind: str | None = None,
                 batch_id: int | None = None, source: str | None = None, limit: int = 100,
                 offset: int = 0) -> list[Record]:
    """Records newest first (by occurred_on, then id for a stable order)."""
    query = select(Record)
    for column, value in ((Record.subject_id, subject_id), (Record.kind, kind), (Record.batch_id, batch_id),
                          (Record.source, source)):
        if value is not None:
            query = query.where(column == value)
    query = query.order_by(Record.occurred_on.desc().nulls_last(), Record.id).limit(limit).offset(offset)
    return list(session.scalars(query))


def publicity_status(record: Record, as_of: dt.date) -> str:
    """"publicised" while as_of ≤ publicity_until (or open-ended), "expired" after it, "none" for
    kinds without publicity (catalogue rule `none`) — time is a parameter, never today implicitly."""
    rule = load_catalogue().kinds[record.kind].publicity.mode if record.kind in load_catalogue().kinds else "none"
    if rule == "none" and record.publicity_until is None:
        return "none"
    if record.occurred_on is not None and as_of < record.occurred_on:
        return "none"  # not yet happened as of that date
    if record.publicity_until is None or as_of <= record.publicity_until:
        return "publicised"
    return "expired"


def content_matches(record: Record) -> bool:
    """Whether the record's fields still hash to its id (a change behind the store's back fails)."""
    spec = load_catalogue().kinds.get(record.kind)
    if spec is None:
        return False
    return content_id(spec, record.source, record.subject_id, record.fields) == record.id
