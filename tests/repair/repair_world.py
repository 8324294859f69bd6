"""A small store for the repair tests: one 滨海 enterprise with negative records of each severity."""

from __future__ import annotations

import datetime as dt

from helpers.rows import record_row, subject_row
from xinyong.store.db import session_scope

T0 = dt.datetime(2026, 6, 1)


def add_subject(engine, sid: str = "S1", district: str = "120116") -> str:
    with session_scope(engine) as s:
        s.add(subject_row(sid, seen=T0, district=district))
    return sid


def add_record(
    engine, rid: str, *, occurred: dt.date, severity: str = "general", subject_id: str = "S1"
) -> str:
    with session_scope(engine) as s:
        s.add(record_row(rid, subject_id, seen=T0, occurred=occurred, severity=severity))
    return rid
