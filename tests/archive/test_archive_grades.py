"""Grades from the evaluation domain on the archive, the card, the report and the list filter."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pdfminer.high_level import extract_text

from xinyong.archive.service import build_archive, list_subjects
from xinyong.disclosure.policy import OPERATOR, PUBLIC
from xinyong.store.db import session_scope


@pytest.fixture(scope="module")
def graded(_credit_world_module):
    """One run of the shipped city enterprise model: S-SHOP graded A then (later) B, S-HEXI C."""
    from xinyong.evaluation.models import EvaluationResult, EvaluationRun
    from xinyong.evaluation.service import load_models

    w = _credit_world_module
    spec = load_models()["city_enterprise"]
    indicator = spec.indicators[0].id
    with session_scope(w.engine) as s:
        for run_id, as_of in (("run-2025-03", dt.date(2025, 3, 31)), ("run-2025-09", dt.date(2025, 9, 30))):
            s.add(
                EvaluationRun(
                    id=run_id,
                    model_id=spec.id,
                    model_version=spec.version,
                    model_sha256="0" * 64,
                    spec=spec.model_dump(mode="json", by_alias=True),
                    as_of=as_of,
                    engine="duckdb",
                    district_code=None,
                    subjects=2,
                    started_at=dt.datetime(2025, 10, 1),
                    finished_at=dt.datetime(2025, 10, 1),
                    seconds=0.1,
                )
            )
        s.flush()
        for run_id, as_of, sid, grade in (
            ("run-2025-03", dt.date(2025, 3, 31), w.shop, "A"),
            ("run-2025-09", dt.date(2025, 9, 30), w.shop, "B"),
            ("run-2025-03", dt.date(2025, 3, 31), w.hexi, "C"),
        ):
            s.add(
                EvaluationResult(
                    run_id=run_id,
                    subject_id=sid,
                    model_id=spec.id,
                    as_of=as_of,
                    district_code=None,
                    score=91.5 if grade == "A" else 60.0,
                    grade=grade,
                    veto=None,
                    points={indicator: -5},
                    values={},
                    dimensions={},
                    reasons=[{"indicator": indicator, "cost": 5}],
                    tags=[],
                )
            )
    return w, spec


def test_archive_carries_grade_as_of_the_date(graded):
    w, spec = graded
    with session_scope(w.engine) as s:
        june = build_archive(s, subject_id=w.shop, as_of=w.as_of, viewer=PUBLIC)
        october = build_archive(s, subject_id=w.shop, as_of=dt.date(2025, 10, 1), viewer=PUBLIC)
    assert [(g.model_id, g.grade, g.score) for g in june.grades] == [(spec.id, "A", 91.5)]
    assert june.grades[0].model == spec.name_zh and spec.indicators[0].name_zh in june.grades[0].reasons[0]
    assert [g.grade for g in october.grades] == ["B"]


def test_grade_filter_uses_the_latest_result(graded):
    w, _ = graded
    with session_scope(w.engine) as s:
        a = list_subjects(s, viewer=OPERATOR, grade="A")
        b = list_subjects(s, viewer=OPERATOR, grade="B")
        c = list_subjects(s, viewer=OPERATOR, grade="C")
    assert a.total == 0  # superseded by the September B
    assert [i.id for i in b.items] == [w.shop] and [i.id for i in c.items] == [w.hexi]


def test_card_and_report_show_the_grade(graded, _credit_client_module):
    w, spec = graded
    client, auth = _credit_client_module
    html = client.get(f"/c/{w.shop}", params={"as_of": "2025-06-30"}).text
    assert 'id="card-grades"' in html and ">A<" in html
    pdf = client.get(f"/api/v1/subjects/{w.shop}/report.pdf", params={"as_of": "2025-06-30"}).content
    assert "信用评价" in "".join(extract_text(io.BytesIO(pdf)).split())
    archive = client.get(f"/subjects/{w.shop}", params={"as_of": "2025-06-30"}, headers=auth["admin"]).text
    assert f'id="grade-{spec.id}"' in archive and spec.indicators[0].name_zh in archive  # evaluation's card
    page = client.get("/subjects", params={"grade": "B"}, headers=auth["admin"]).text
    assert "天津海信广场示范餐饮有限公司" in page and "网信大厦示范科技有限公司" not in page
