"""A small 东丽 world: the hospital, a health centre and residents (citizen IDs from 120110)."""

from __future__ import annotations

import datetime as dt

from xinyong.medical import service as medical
from xinyong.records.models import Record
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
        # Each resident has signed a credit commitment: by docs/person-score.md the 海河分 is then
        # 685 + 0.15 × 200 = 715 (band 700 → a 2,000 CNY line), which the figures below assume.
        for sid in ids[1:]:
            s.add(
                Record(
                    id=f"CM-{sid}",
                    kind="commitment",
                    subject_id=sid,
                    source="东丽区信用办",
                    source_record_id=f"CM-{sid}",
                    occurred_on=dt.date(2026, 1, 5),
                    polarity="positive",
                    disclosure="public",
                    fields={"status": "signed"},
                    original={},
                    first_seen=NOW,
                    last_seen=NOW,
                )
            )
    return {"hospital": ids[0], "people": ids[1:]}
