"""Benchmark: 信易+ benefits of N subjects as of one date (all shipped scenarios, bulk path
`xinyong.incentives.bulk.benefits_many` = rules.evaluate_many per scenario), timed beside the same run's
evaluation of the city enterprise model over the same subjects (`evaluation.service.evaluate`: snapshot
export, DuckDB, results stored). Target: benefits ≤ 1× grading.

The store is a fresh SQLite file filled with synthetic subjects (pilots of the shipped scenarios, persons)
and ~3 records each (penalties, commitments, honours, judgment debtors, tax grades). The person model and
the district models the scenarios read are graded first (untimed: they are the grades benefits read).

    .venv/bin/python bench/benefits.py                      # 1,000,000 subjects
    .venv/bin/python bench/benefits.py --subjects 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import subprocess
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from xinyong.evaluation.service import evaluate
from xinyong.incentives.bulk import benefits_many
from xinyong.incentives.scenarios import load_scenarios
from xinyong.records.models import Record
from xinyong.store.db import make_engine
from xinyong.store.migrate import upgrade
from xinyong.subjects.models import Subject

AS_OF = dt.date(2026, 6, 30)
T0 = dt.datetime(2026, 1, 1)
PILOTS = [  # (pilot, district, kind, role)
    ("hebei_italian_style_town", "120105", "enterprise", "yifeng_subject"),
    ("heping_hisense_plaza", "120101", "enterprise", "concession_brand"),
    ("xiqing_industrial_chains", "120111", "enterprise", "ic_chain"),
    ("beichen_medical_park", "120113", "enterprise", "park_firm"),
    ("wuqing_fire_safety", "120114", "enterprise", "nursing_home"),
    ("jizhou_homestays", "120119", "individual_business", "homestay"),
]


def fill(engine, n: int, seed: int = 7) -> int:  # noqa: ANN001
    rng = random.Random(seed)
    subjects, records, made = [], [], 0
    for i in range(n):
        sid = f"B{i:09d}"
        r = rng.random()
        if r < 0.10:
            kind, district, pilot, role = "person", "120118", None, "resident"
        elif r < 0.40:
            pilot, district, kind, role = PILOTS[i % len(PILOTS)]
        else:
            kind, district, pilot, role = "enterprise", f"1201{(i % 16) + 1:02d}", None, "general"
        attrs = {"role": role}
        if role == "nursing_home":
            attrs["venue_type"] = "养老院"
        subjects.append(
            dict(
                id=sid,
                kind=kind,
                name=f"主体{i}",
                district_code=district,
                pilot=pilot,
                attributes=attrs,
                source="bench",
                first_seen=T0,
                last_seen=T0,
            )
        )
        for j, (k, pol, sev, fields) in enumerate(
            [
                ("penalty", "negative", "general", {}),
                ("commitment", "positive", None, {"status": "signed"}),
                ("honour", "positive", None, {}),
                ("judgment_debtor", "negative", None, {}),
                ("tax_grade", "neutral", None, {"grade": "A"}),
            ]
        ):
            if rng.random() < (0.08, 0.5, 0.05, 0.01, 0.5)[j]:
                rid = f"{sid}-{j}"
                records.append(
                    dict(
                        id=rid,
                        kind=k,
                        subject_id=sid,
                        source="bench",
                        source_record_id=rid,
                        occurred_on=AS_OF - dt.timedelta(days=rng.randrange(1, 700)),
                        severity=sev,
                        polarity=pol,
                        disclosure="public",
                        fields=fields,
                        original={},
                        first_seen=T0,
                        last_seen=T0,
                        content_id=rid,
                        version=1,
                    )
                )
        if len(subjects) >= 50_000:
            made += _flush(engine, subjects, records)
            subjects, records = [], []
    return made + _flush(engine, subjects, records)


def _flush(engine, subjects, records) -> int:  # noqa: ANN001
    with engine.begin() as conn:
        if subjects:
            conn.execute(insert(Subject.__table__), subjects)
        if records:
            conn.execute(insert(Record.__table__), records)
    return len(records)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subjects", type=int, default=1_000_000)
    ap.add_argument("--dir", type=Path, default=None)
    args = ap.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="xinyong-benefits-"))
    url = f"sqlite:///{work / 'bench.db'}"
    upgrade(url)
    engine = make_engine(url)
    t = time.perf_counter()
    nrec = fill(engine, args.subjects)
    print(f"store: {args.subjects:,} subjects, {nrec:,} records in {time.perf_counter() - t:.1f}s")
    models = {m for sc in load_scenarios() for m in sc.models()} - {"city_enterprise"}
    t = time.perf_counter()
    for m in sorted(models):
        evaluate(engine, model_id=m, as_of=AS_OF, snapshot_dir=work / "snap")
    print(f"untimed: graded {', '.join(sorted(models))} in {time.perf_counter() - t:.1f}s")
    t = time.perf_counter()
    run = evaluate(engine, model_id="city_enterprise", as_of=AS_OF, snapshot_dir=work / "snap")
    grading = time.perf_counter() - t
    print(
        f"grading   city_enterprise over {run.subjects if hasattr(run, 'subjects') else '?'} subjects: {grading:.1f}s"
    )
    t = time.perf_counter()
    got = benefits_many(engine, as_of=AS_OF)
    benefits = time.perf_counter() - t
    granted = sum(len(v) for v in got.values())
    print(f"benefits  {len(got)} scenarios, {granted:,} grants: {benefits:.1f}s")
    print(f"ratio benefits / grading = {benefits / grading:.2f}x (target ≤ 1)")
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
