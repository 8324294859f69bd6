"""A tiny store for the status tests: two subjects (和平, 河西) and records of both polarities."""

from __future__ import annotations

import datetime as dt

from xinyong.records.models import Record
from xinyong.store.db import session_scope
from xinyong.subjects.models import Subject

T0 = dt.datetime(2025, 1, 1)
OCCURRED = dt.date(2025, 1, 10)


def add_subject(engine, sid: str = "S1", district: str = "120101") -> str:
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
    engine,
    rid: str,
    *,
    subject_id: str = "S1",
    polarity: str = "negative",
    kind: str = "penalty",
    disclosure: str = "public",
    occurred: dt.date | None = OCCURRED,
) -> str:
    with session_scope(engine) as s:
        s.add(
            Record(
                id=rid,
                kind=kind,
                subject_id=subject_id,
                source="t",
                source_record_id=rid,
                occurred_on=occurred,
                publicity_until=None,
                polarity=polarity,
                disclosure=disclosure,
                fields={},
                original={},
                first_seen=T0,
                last_seen=T0,
            )
        )
    return rid
