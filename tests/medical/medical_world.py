"""A small 东丽 world: the hospital, a health centre and residents (citizen IDs from 120110)."""

from __future__ import annotations

import datetime as dt

from xinyong.medical import service as medical
from xinyong.store.db import session_scope
from xinyong.subjects.identifiers import make_citizen_id, make_uscc
from xinyong.subjects.service import upsert_subjects

NOW = dt.datetime(2026, 6, 1, 8, 0)
HOSPITAL_USCC = make_uscc("12120110MB0000001")


def person(n: int) -> dict:
    return {"kind": "person", "name": f"居民{n}", "id_number": make_citizen_id(f"120110198001{n:02d}{n:03d}")}


def build(engine, people: int = 3) -> dict:  # noqa: ANN001
    with session_scope(engine) as s:
        ids = upsert_subjects(
            s,
            [{"kind": "government", "name": "天津市东丽医院", "uscc": HOSPITAL_USCC}]
            + [person(i) for i in range(1, people + 1)],
            now=NOW,
        )
        medical.register_hospital(s, subject_id=ids[0], joined_on=NOW.date())
    return {"hospital": ids[0], "people": ids[1:]}
