"""A small 和平 world for draw tests: 40 mall merchants, two of them with two failed inspections."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from sqlalchemy.orm import Session

from xinyong.ingest.service import ingest_rows
from xinyong.subjects.identifiers import make_uscc
from xinyong.subjects.service import upsert_subjects

AS_OF = dt.date(2026, 10, 31)
NOW = dt.datetime(2026, 10, 31, 2, 0)
DEPT = "和平区市场监管局"


def uscc(n: int) -> str:
    return make_uscc(f"91120101MA{n:07d}")


def build_world(engine, tmp_path) -> SimpleNamespace:
    from xinyong.draws.service import add_inspector
    from xinyong.evaluation.service import evaluate

    rows = [
        dict(
            kind="enterprise",
            name=f"和平商户{n:02d}",
            uscc=uscc(n),
            district_code="120101",
            pilot="heping_hisense_plaza",
        )
        for n in range(40)
    ]
    with Session(engine) as s, s.begin():
        ids = upsert_subjects(s, rows)

    def failed(n: int, day: dt.date) -> dict:
        return dict(
            subject_name=f"和平商户{n:02d}",
            uscc=uscc(n),
            inspection_no=f"OLD-{n}-{day}",
            inspection_type="routine",
            inspection_date=day,
            inspector_org=DEPT,
            result="failed",
        )

    ingest_rows(
        engine=engine,
        rows=[failed(n, d) for n in (3, 4) for d in (dt.date(2026, 3, 1), dt.date(2026, 4, 1))],
        source=DEPT,
        kind="inspection",
        now=NOW - dt.timedelta(days=60),
    )
    evaluate(
        engine, model_id="city_enterprise", as_of=AS_OF, engine_name="python", snapshot_dir=tmp_path / "snap"
    )
    with Session(engine) as s, s.begin():
        for k in range(6):
            add_inspector(
                s,
                inspector_id=f"HP{k:03d}",
                name=f"检查员{k}",
                department=DEPT,
                district_code="120101",
                unit="和平区市场监管局劝业场所",
                affiliations=[ids[0]] if k == 0 else [],
                now=NOW,
            )
    return SimpleNamespace(ids=ids, engine=engine, tmp=tmp_path)
