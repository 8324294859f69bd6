"""A small store for the repair tests: one 滨海 enterprise with negative records of each severity."""

from __future__ import annotations

import datetime as dt

from xinyong.records.models import Record
from xinyong.store.db import session_scope
from xinyong.subjects.models import Subject

T0 = dt.datetime(2026, 6, 1)


def add_subject(engine, sid: str = "S1", district: str = "120116") -> str:
    with session_scope(engine) as s:
        s.add(
            Subject(
                id=sid,
                kind="enterprise",
                name=f"企业{sid}",
                district_code=district,
                attributes={},
                source="t",
                first_seen=T0,
                last_seen=T0,
            )
        )
    return sid


def add_record(
    engine, rid: str, *, occurred: dt.date, severity: str = "general", subject_id: str = "S1"
) -> str:
    with session_scope(engine) as s:
        s.add(
            Record(
                id=rid,
                kind="penalty",
                subject_id=subject_id,
                source="t",
                source_record_id=rid,
                occurred_on=occurred,
                publicity_until=None,
                severity=severity,
                polarity="negative",
                disclosure="public",
                fields={},
                original={},
                first_seen=T0,
                last_seen=T0,
            )
        )
    return rid
