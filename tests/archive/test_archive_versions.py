"""A corrected penalty (更正) in the archive (service, JSON, page), the public card and the PDF report:
the current version today, the version current then for a past date, marked 已更正 with its history."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from sqlalchemy.orm import Session

from helpers.http import OFFICIALS, app_client, bearer_headers

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))
from ingest_files import penalty_2  # noqa: E402

from xinyong.archive.service import build_archive  # noqa: E402
from xinyong.disclosure.policy import OPERATOR, PUBLIC  # noqa: E402
from xinyong.ingest.service import ingest_rows  # noqa: E402
from xinyong.records.models import Record  # noqa: E402
from xinyong.store.db import make_engine  # noqa: E402

COLLECTED, CORRECTED = dt.datetime(2023, 6, 1, 9), dt.datetime(2023, 7, 1, 9)
FIX = {"罚款金额（万元）": "0.8", "处罚内容": "警告，罚款人民币8000元", "违法事实": "销售过期食品二十箱"}


def _world(url: str) -> tuple[str, str]:
    engine = make_engine(url)
    first = ingest_rows(
        engine=engine, rows=[penalty_2(1), penalty_2(2)], source="津市监", kind="penalty", now=COLLECTED
    )
    fix = ingest_rows(
        engine=engine, rows=[penalty_2(1, **FIX)], source="津市监", kind="penalty", now=CORRECTED
    )
    assert fix.corrected == 1
    rid = first.record_ids[0]
    with Session(engine) as s:
        sid = s.get(Record, rid).subject_id
    engine.dispose()
    return rid, sid


def _record(archive, rid: str):
    (rec,) = [r for g in archive.groups for r in g.records if r.id == rid]
    return rec


def test_archive_shows_the_version_current_as_of_the_date(db_url):
    rid, sid = _world(db_url)
    engine = make_engine(db_url)
    with Session(engine) as s:
        before = _record(build_archive(s, subject_id=sid, as_of=dt.date(2023, 6, 15), viewer=OPERATOR), rid)
        assert (before.amount, before.version, before.corrected, before.history) == (5000.0, 1, False, [])
        assert "罚款人民币5000元" in before.fields["penalty_content"]
        on_the_day = _record(
            build_archive(s, subject_id=sid, as_of=dt.date(2023, 7, 1), viewer=OPERATOR), rid
        )
        after = _record(build_archive(s, subject_id=sid, as_of=dt.date(2023, 7, 15), viewer=PUBLIC), rid)
    engine.dispose()
    for rec in (on_the_day, after):
        assert (rec.amount, rec.version, rec.corrected) == (8000.0, 2, True)
        assert [(h.version, h.recorded_on, h.amount) for h in rec.history] == [
            (1, dt.date(2023, 6, 1), 5000.0),
            (2, dt.date(2023, 7, 1), 8000.0),
        ]
        assert rec.history[0].content_id == rid != rec.history[1].content_id
        assert rec.collected_on == dt.date(2023, 6, 1)  # first collected: provenance does not move


def test_page_json_card_and_report_show_the_correction(db_url):
    rid, sid = _world(db_url)
    engine = make_engine(db_url)
    admin = bearer_headers(engine, {"admin": OFFICIALS["admin"]})["admin"]
    engine.dispose()
    with app_client(db_url) as client:
        body = client.get(f"/api/v1/subjects/{sid}/archive", params={"as_of": "2023-07-15"}).json()
        (rec,) = [r for g in body["groups"] for r in g["records"] if r["id"] == rid]
        assert rec["corrected"] is True and rec["amount"] == 8000.0
        assert [h["amount"] for h in rec["history"]] == [5000.0, 8000.0]
        old = client.get(f"/api/v1/subjects/{sid}/archive", params={"as_of": "2023-06-15"}).json()
        (rec,) = [r for g in old["groups"] for r in g["records"] if r["id"] == rid]
        assert (rec["corrected"], rec["amount"]) == (False, 5000.0)
        page = client.get(f"/subjects/{sid}", params={"as_of": "2023-07-15"}, headers=admin)
        assert page.status_code == 200
        assert "已更正" in page.text and "更正历史" in page.text and "罚款人民币5000元" in page.text
        assert (
            "已更正" not in client.get(f"/subjects/{sid}", params={"as_of": "2023-06-15"}, headers=admin).text
        )
        card = client.get(f"/c/{sid}", params={"as_of": "2023-07-15"})
        assert (
            card.status_code == 200 and "销售过期食品二十箱" in card.text
        )  # the card shows the current version
        assert "经营超过保质期的食品" not in card.text
        import io

        from pdfminer.high_level import extract_text

        pdf = client.get(f"/api/v1/subjects/{sid}/report.pdf", params={"as_of": "2023-07-15"}, headers=admin)
        assert pdf.status_code == 200, pdf.text
        text = "".join(extract_text(io.BytesIO(pdf.content)).split())
        assert "已更正" in text and "销售过期食品二十箱" in text and "经营超过保质期的食品" not in text
