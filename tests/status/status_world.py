"""A tiny store for the status tests: two subjects (和平, 河西) and records of both polarities."""

from __future__ import annotations

import datetime as dt

from helpers.rows import record_row, subject_row
from xinyong.store.db import session_scope

T0 = dt.datetime(2025, 1, 1)
OCCURRED = dt.date(2025, 1, 10)


def add_subject(engine, sid: str = "S1", district: str = "120101") -> str:
    with session_scope(engine) as s:
        s.add(subject_row(sid, seen=T0, district=district))
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
            record_row(
                rid,
                subject_id,
                seen=T0,
                kind=kind,
                occurred=occurred,
                polarity=polarity,
                disclosure=disclosure,
            )
        )
    return rid
