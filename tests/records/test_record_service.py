"""Records read back: listing, publicity status as of a date, content verification."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))
from ingest_files import penalty_2  # noqa: E402

from xinyong.ingest.service import ingest_rows  # noqa: E402
from xinyong.records.models import Record  # noqa: E402
from xinyong.records.schemas import RecordOut  # noqa: E402
from xinyong.records.service import content_matches, list_records, publicity_status  # noqa: E402


def test_listing_status_and_tamper_detection(engine):
    rows = [
        penalty_2(1, **{"处罚类别": "警告"}),
        penalty_2(2, **{"处罚类别": "罚款", "处罚决定日期": "2022-01-10"}),
    ]
    ingest_rows(engine=engine, rows=rows, source="s", kind="penalty")
    with Session(engine) as s:
        recs = list_records(s, kind="penalty")
        assert [r.occurred_on for r in recs] == [dt.date(2023, 5, 1), dt.date(2022, 1, 10)]
        minor, general = recs
        assert (minor.severity, general.severity) == ("minor", "general")
        assert publicity_status(minor, dt.date(2023, 7, 31)) == "publicised"
        assert publicity_status(minor, dt.date(2023, 8, 2)) == "expired"  # 3 months
        assert publicity_status(general, dt.date(2023, 1, 10)) == "publicised"  # 1 year
        assert publicity_status(general, dt.date(2023, 1, 11)) == "expired"
        assert publicity_status(minor, dt.date(2020, 1, 1)) == "none"
        assert all(content_matches(r) for r in recs)
        assert RecordOut.model_validate(minor).fields["decision_no"] == "津和市监罚〔2023〕1号"
        minor_id, general_id, subject_id = minor.id, general.id, general.subject_id
        s.execute(
            update(Record).where(Record.id == minor_id).values(fields={**minor.fields, "penalty_type": "无"})
        )
        s.commit()
    with Session(engine) as s:
        assert not content_matches(s.get(Record, minor_id))
        assert [r.id for r in list_records(s, subject_id=subject_id)] == [general_id]
