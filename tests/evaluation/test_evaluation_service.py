"""Runs in the store (SQLite and PostgreSQL): append-only results, history, distribution, latest grades,
explanations (repairable records, missing positives), manual scores and the incremental snapshot."""

from __future__ import annotations

import datetime as dt
import json
from functools import partial
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpers import world
from xinyong.evaluation import service
from xinyong.evaluation.models import EvaluationResult, EvaluationRun
from xinyong.evaluation.snapshot import export_snapshot
from xinyong.records.models import Record, reserve_seq

T0 = dt.datetime(2026, 1, 1, 8, 0)


# This module's subjects and records were first seen on T0 (2026), not on the shared world's T0.
add_subject = partial(world.add_subject, seen=T0)
add_record = partial(world.add_record, seen=T0)


@pytest.fixture
def populated(engine):
    with Session(engine) as s, s.begin():
        add_subject(s, "good")
        add_subject(s, "bad")
        add_subject(s, "debtor")
        add_subject(s, "empty", district="120102")
        add_subject(s, "tower", kind="carrier", district="120103", attributes={"role": "carrier"})
        add_subject(s, "tenant1", district="120103", parent="tower")
        add_subject(s, "tenant2", district="120103", parent="tower")
        add_record(s, "g1", "good", "honour", dt.date(2025, 6, 1), polarity="positive")
        add_record(
            s, "g2", "good", "commitment", dt.date(2025, 6, 1), polarity="positive", fields={"status": "kept"}
        )
        add_record(
            s, "g3", "good", "tax_grade", dt.date(2026, 4, 1), polarity="neutral", fields={"grade": "A"}
        )
        add_record(s, "b1", "bad", "penalty", dt.date(2026, 3, 1), severity="general", amount=20000.0)
        add_record(s, "b2", "bad", "penalty", dt.date(2026, 5, 1), severity="serious", amount=5000.0)
        add_record(s, "b3", "bad", "complaint", dt.date(2026, 2, 1), fields={"resolution": "pending"})
        add_record(s, "d1", "debtor", "judgment_debtor", dt.date(2026, 1, 10))
        add_record(s, "t1", "tenant1", "penalty", dt.date(2026, 5, 1), severity="serious")
    return engine


def run(engine, tmp_path: Path, model: str = "city_enterprise", as_of: dt.date = dt.date(2026, 6, 30), **kw):
    return service.evaluate(engine, model_id=model, as_of=as_of, snapshot_dir=tmp_path / "snap", **kw)


def test_evaluate_stores_results_and_parquet(populated, tmp_path, models):
    out = tmp_path / "out.parquet"
    res = run(populated, tmp_path, models=models, out=out)
    assert res.subjects == 6  # enterprises (not the carrier)
    with Session(populated) as s:
        rows = {
            r.subject_id: r
            for r in s.scalars(select(EvaluationResult).where(EvaluationResult.run_id == res.run_id))
        }
    assert rows["debtor"].grade == "D" and rows["debtor"].veto == "judgment_debtor_veto"
    assert rows["bad"].grade in {"C", "D"} and rows["bad"].score < rows["good"].score
    assert rows["good"].score > rows["empty"].score  # honours, commitment and tax A add points
    # the top reason of the bad subject is a penalty indicator, never a positive one it merely lacks
    assert rows["bad"].reasons[0]["indicator"].startswith("penalty")
    table = pq.read_table(out).to_pylist()
    assert {r["subject_id"]: r["grade"] for r in table} == {k: v.grade for k, v in rows.items()}
    assert {"subject_id", "score", "grade", "model_version", "run_id", "engine"} <= set(table[0])


def test_engines_write_identical_results(populated, tmp_path, models):
    a = run(populated, tmp_path, models=models, engine_name="duckdb")
    b = run(populated, tmp_path, models=models, engine_name="python")
    with Session(populated) as s:

        def grades(run_id):
            return {
                (r.subject_id, r.score, r.grade, json.dumps(r.points, sort_keys=True))
                for r in s.scalars(select(EvaluationResult).where(EvaluationResult.run_id == run_id))
            }

        assert grades(a.run_id) == grades(b.run_id)


def test_a_model_change_never_rewrites_old_results(populated, tmp_path, models):
    first = run(populated, tmp_path, models=models)
    with Session(populated) as s:
        before = {
            r.subject_id: (r.score, r.grade)
            for r in s.scalars(select(EvaluationResult).where(EvaluationResult.run_id == first.run_id))
        }
    spec = models["city_enterprise"]
    stricter = spec.model_copy(
        update={
            "version": "2.0.0",
            "decision_bands": tuple(
                b.model_copy(
                    update={
                        "lower": b.lower + 10 if b.lower else None,
                        "upper": b.upper + 10 if b.upper else None,
                    }
                )
                for b in spec.decision_bands
            ),
        }
    )
    second = run(populated, tmp_path, models={**models, "city_enterprise": stricter})
    with Session(populated) as s:
        after = {
            r.subject_id: (r.score, r.grade)
            for r in s.scalars(select(EvaluationResult).where(EvaluationResult.run_id == first.run_id))
        }
        versions = {r.model_version for r in s.scalars(select(EvaluationRun))}
        new = {
            r.subject_id: r.grade
            for r in s.scalars(select(EvaluationResult).where(EvaluationResult.run_id == second.run_id))
        }
    assert after == before and versions == {"1.0.0", "2.0.0"}
    assert new != {k: v[1] for k, v in before.items()}  # the stricter bands did change grades


def test_history_latest_grades_and_distribution(populated, tmp_path, models):
    run(populated, tmp_path, models=models, as_of=dt.date(2026, 1, 31))
    run(populated, tmp_path, models=models, as_of=dt.date(2026, 6, 30))
    with Session(populated) as s:
        hist = service.grade_history(s, "bad", "city_enterprise")
        assert [h["as_of"] for h in hist] == ["2026-01-31", "2026-06-30"]
        assert hist[0]["score"] > hist[1]["score"]  # the penalties came after January
        early = service.latest_grades(s, "bad", dt.date(2026, 3, 1))
        late = service.latest_grades(s, "bad", dt.date(2026, 12, 31))
        assert [g["as_of"] for g in early] == ["2026-01-31"] and late[0]["as_of"] == "2026-06-30"
        g = late[0]
        assert g["model_id"] == "city_enterprise" and g["grade_label_zh"] and g["reasons"]
        assert {"code", "indicator", "name_zh", "name_en", "cost", "points"} <= set(g["reasons"][0])
        assert service.latest_grades(s, "bad", dt.date(2025, 1, 1)) == []
        dist = service.distribution(s, model_id="city_enterprise")
        assert [d["as_of"] for d in dist] == ["2026-01-31", "2026-06-30"]
        assert all(d["total"] == 6 and sum(d["grades"].values()) == 6 for d in dist)
        only = service.distribution(s, model_id="city_enterprise", district="120102")
        assert all(d["total"] == 1 for d in only)


def test_building_is_graded_from_its_tenants(populated, tmp_path, models):
    res = run(populated, tmp_path, models=models, model="hexi_building")
    with Session(populated) as s:
        row = s.scalars(select(EvaluationResult).where(EvaluationResult.run_id == res.run_id)).one()
    assert row.subject_id == "tower" and row.values["tenant_count"] == 2
    assert (
        row.values["tenant_share_good"] == 50
    )  # tenant2 clean (A/B), tenant1 capped at C by a serious penalty


def test_explain_lists_repairable_records_and_positive_gains(populated, models, catalogue):
    with Session(populated) as s:
        out = service.explain(
            s,
            subject_id="bad",
            model_id="city_enterprise",
            as_of=dt.date(2026, 6, 30),
            models=models,
            catalogue=catalogue,
        )
    repairs = {r["record_id"]: r for r in out["repairs"]}
    # general penalty of 2026-03-01: 3 months minimum publicity → repairable from 2026-06-30 (as_of itself)
    assert repairs["b1"]["repairable_from"] == "2026-06-30"
    # serious penalty of 2026-05-01: 1 year under NDRC Order No. 36 (in force from 2026-04-01) ends
    # on 2027-05-01; repairable from the day after (Civil Code Art. 201-202)
    assert repairs["b2"]["repairable_from"] == "2027-05-02" and repairs["b2"]["regime"] == "ndrc_order_36"
    assert out["once_repaired"]["score"] > out["score"]
    gains = {g["indicator"] for g in out["positive_gains"]}
    assert {"commitments", "honours"} <= gains
    with Session(populated) as s:
        debtor = service.explain(
            s,
            subject_id="debtor",
            model_id="city_enterprise",
            as_of=dt.date(2026, 6, 30),
            models=models,
            catalogue=catalogue,
        )
    assert debtor["veto"]["id"] == "judgment_debtor_veto"
    assert debtor["repairs"][0]["repairable_from"] is None  # removed by the court, not repaired


def test_manual_scores_are_kept_with_who_and_why(engine, tmp_path, models):
    with Session(engine) as s, s.begin():
        add_subject(s, "street", kind="government", district="120104", attributes={"role": "pilot_street"})
    res0 = run(engine, tmp_path, models=models, model="nankai_street")
    with Session(engine) as s, s.begin():
        with pytest.raises(ValueError):
            service.record_manual_score(
                s,
                model_id="nankai_street",
                indicator_id="culture_expert",
                subject_id="street",
                value=101,
                effective_on=dt.date(2026, 6, 1),
                entered_by="张三",
                reason="x",
                models=models,
            )
        with pytest.raises(ValueError):
            service.record_manual_score(
                s,
                model_id="nankai_street",
                indicator_id="complaints_open",
                subject_id="street",
                value=5,
                effective_on=dt.date(2026, 6, 1),
                entered_by="张三",
                reason="x",
                models=models,
            )
        for ind in (
            "culture_expert",
            "service_expert",
            "openness_expert",
            "finance_expert",
            "delivery_expert",
            "supervision_expert",
        ):
            service.record_manual_score(
                s,
                model_id="nankai_street",
                indicator_id=ind,
                subject_id="street",
                value=95.5,
                effective_on=dt.date(2026, 6, 1),
                entered_by="区诚信办 张三",
                reason="2026 上半年评审",
                models=models,
            )
    res1 = run(engine, tmp_path, models=models, model="nankai_street")
    with Session(engine) as s:
        before = s.scalars(select(EvaluationResult).where(EvaluationResult.run_id == res0.run_id)).one()
        after = s.scalars(select(EvaluationResult).where(EvaluationResult.run_id == res1.run_id)).one()
    assert before.points["culture_expert"] == 60 and after.points["culture_expert"] == 95.5
    assert after.score > before.score


def test_snapshot_export_is_incremental(engine, tmp_path):
    snap = tmp_path / "snap"
    with Session(engine) as s, s.begin():
        add_subject(s, "a")
        add_record(s, "r1", "a", "penalty", dt.date(2026, 1, 1), severity="general")
    first = export_snapshot(engine, snap)
    again = export_snapshot(engine, snap)
    assert (first.records, again.records) == (1, 0)
    with Session(engine) as s, s.begin():
        add_record(
            s, "r2", "a", "penalty", dt.date(2026, 2, 1), severity="minor", seen=T0 + dt.timedelta(hours=1)
        )
        rec = s.get(Record, "r1")
        rec.severity = "serious"  # a change takes a new commit sequence number, as ingest's corrections do
        rec.seq = reserve_seq(s.connection(), 1)
    third = export_snapshot(engine, snap)
    assert third.records == 2 and third.superseded
    from xinyong.evaluation.engines import read_rows

    rows = {r["id"]: r for r in read_rows(snap, set())["records"]}
    assert set(rows) == {"r1", "r2"} and rows["r1"]["severity"] == "serious"  # newest copy wins
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Record)) == 2


def test_unknown_model_and_engine_are_refused(populated, tmp_path, models):
    with pytest.raises(KeyError):
        run(populated, tmp_path, models=models, model="nope")
    with pytest.raises(ValueError):
        run(populated, tmp_path, models=models, engine_name="oracle")
    with Session(populated) as s:
        assert s.scalar(select(func.count()).select_from(EvaluationRun)) == 0


def test_snapshot_of_another_database_is_rebuilt(engine, tmp_path):
    from xinyong.store.db import make_engine
    from xinyong.store.migrate import upgrade

    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    upgrade(other_url)
    other = make_engine(other_url)
    snap = tmp_path / "snap"
    for eng, rid in ((engine, "first-db"), (other, "second-db")):
        with Session(eng) as s, s.begin():
            add_subject(s, "a")
            add_record(s, rid, "a", "penalty", dt.date(2026, 1, 1), severity="general")
    export_snapshot(engine, snap)
    export_snapshot(other, snap)
    other.dispose()
    from xinyong.evaluation.engines import read_rows

    assert [r["id"] for r in read_rows(snap, set())["records"]] == ["second-db"]


def _scores(engine, run_id: str) -> dict[str, float]:
    with Session(engine) as s:
        return dict(
            s.execute(
                select(EvaluationResult.subject_id, EvaluationResult.score).where(
                    EvaluationResult.run_id == run_id
                )
            ).all()
        )


def test_status_events_take_withdrawn_records_out_of_evaluation(populated, tmp_path, models):
    """A repaired (or revoked) record no longer counts from its effective date, in the compiled run and in
    the one-subject python path; a record under objection still counts. Expected scores come from the
    what-if path (records excluded by id), a separate mechanism."""
    from xinyong.status.service import change_status

    as_of = dt.date(2026, 6, 30)
    with Session(populated) as s:
        what_if = service.evaluate_subject(
            s, subject_id="bad", model_id="city_enterprise", as_of=as_of, models=models, exclude={"b1", "b3"}
        )["score_units"]
        plain = service.evaluate_subject(
            s, subject_id="bad", model_id="city_enterprise", as_of=as_of, models=models
        )["score_units"]
    assert what_if != plain
    with Session(populated) as s, s.begin():
        change_status(
            s,
            record_id="b1",
            event="repaired",
            actor="和平区诚信办",
            reason="修复",
            effective_on=dt.date(2026, 6, 1),
        )
        change_status(
            s,
            record_id="b3",
            event="revoked",
            actor="12345",
            reason="撤销",
            effective_on=dt.date(2026, 6, 30),
        )
        change_status(
            s,
            record_id="b2",
            event="objection_opened",
            actor="bad",
            reason="异议",
            effective_on=dt.date(2026, 6, 1),
        )
    div = 10 ** models["city_enterprise"].decimals
    after = _scores(populated, run(populated, tmp_path, models=models, as_of=as_of).run_id)
    assert after["bad"] == what_if / div
    before = _scores(populated, run(populated, tmp_path, models=models, as_of=dt.date(2026, 6, 29)).run_id)
    with Session(populated) as s:
        one = service.evaluate_subject(
            s, subject_id="bad", model_id="city_enterprise", as_of=as_of, models=models
        )
        old = service.evaluate_subject(
            s,
            subject_id="bad",
            model_id="city_enterprise",
            as_of=dt.date(2026, 6, 29),
            models=models,
            exclude={"b1"},
        )
        explained = service.explain(
            s, subject_id="bad", model_id="city_enterprise", as_of=as_of, models=models
        )
    assert one["score_units"] == what_if
    assert before["bad"] == old["score_units"] / div  # b3 revoked only from 06-30; b1 repaired already
    assert "b1" not in {r["record_id"] for r in explained["repairs"]}  # nothing left to repair there
    assert "b2" in {r["record_id"] for r in explained["repairs"]}  # under objection: still counts


def test_grades_know_they_are_stale_and_evaluate_changed_regrades_only_those(populated, tmp_path, models):
    """评价后有新记录: a record collected or a status event recorded after a grade's run started marks that
    grade stale (with the day) on every surface — as far as the viewer may see; `changed=True` re-grades
    exactly the stale subjects."""
    from xinyong.archive.service import build_archive
    from xinyong.disclosure.policy import OPERATOR, PUBLIC
    from xinyong.public.service import card_grades
    from xinyong.status.service import change_status

    as_of = dt.date(2026, 6, 30)
    first = run(populated, tmp_path, models=models, as_of=as_of)
    with Session(populated) as s:
        assert all(g["stale_since"] is None for g in service.latest_grades(s, "bad", as_of))
        assert service.changed_subjects(s, model_id="city_enterprise") == set()
    # Time is a parameter: the first run is moved three days back, the changes happen in between.
    with Session(populated) as s, s.begin():
        r = s.get(EvaluationRun, first.run_id)
        r.started_at = started = r.started_at - dt.timedelta(days=3)
    later = started + dt.timedelta(days=1)
    with Session(populated) as s, s.begin():
        add_record(s, "b9", "bad", "penalty", dt.date(2026, 6, 2), severity="minor", seen=later)
        # a government-level record of "good": stale for the operator, invisible (so not stale) for the public
        s.add(
            Record(
                id="g9",
                kind="inspection",
                subject_id="good",
                source="t",
                source_record_id="g9",
                occurred_on=dt.date(2026, 6, 1),
                polarity="neutral",
                disclosure="government",
                fields={},
                original={},
                first_seen=later,
                last_seen=later,
            )
        )
        change_status(
            s,
            record_id="t1",
            event="objection_opened",
            actor="tenant1",
            reason="异议",
            effective_on=dt.date(2026, 6, 1),
            at=started + dt.timedelta(days=2),
        )
    with Session(populated) as s:
        bad = service.latest_grades(s, "bad", as_of)[0]
        assert bad["stale_since"] == later.date().isoformat()
        assert service.latest_grades(s, "good", as_of, PUBLIC)[0]["stale_since"] is None
        assert service.latest_grades(s, "good", as_of, OPERATOR)[0]["stale_since"] == later.date().isoformat()
        assert (
            service.latest_grades(s, "tenant1", as_of)[0]["stale_since"]
            == (started + dt.timedelta(days=2)).date().isoformat()
        )
        archive = build_archive(s, subject_id="bad", as_of=as_of, viewer=PUBLIC)
        assert (
            archive.grades[0].stale_since == later.date() and "评价后有新记录" in archive.grades[0].stale_note
        )
        with populated.connect() as conn:
            assert card_grades(conn, subject_id="bad", as_of=as_of)[0].stale_since == later.date()
            assert card_grades(conn, subject_id="good", as_of=as_of)[0].stale_since is None
        # tenant1's change makes its carrier stale too (carrier models read tenants' records)
        assert service.changed_subjects(s, model_id="city_enterprise") >= {"bad", "good", "tenant1"}
    second = service.evaluate(
        populated,
        model_id="city_enterprise",
        as_of=as_of,
        snapshot_dir=tmp_path / "snap",
        models=models,
        changed=True,
    )
    with Session(populated) as s:
        regraded = set(
            s.scalars(select(EvaluationResult.subject_id).where(EvaluationResult.run_id == second.run_id))
        )
        assert regraded == {"bad", "good", "tenant1"}  # the enterprises among the changed subjects
        assert service.latest_grades(s, "bad", as_of)[0]["stale_since"] is None
        assert (
            service.latest_grades(s, "debtor", as_of)[0]["run_id"] == first.run_id
        )  # untouched, still current
        assert service.changed_subjects(s, model_id="city_enterprise") == set()


def test_a_correction_after_grading_marks_the_grade_stale(populated, tmp_path, models):
    """更正 after a grade: a second version of a visible record, recorded after the run started, makes
    the subject's grade stale from that day and puts it among `changed_subjects`."""
    from xinyong.records.models import RecordVersion

    as_of = dt.date(2026, 6, 30)
    first = run(populated, tmp_path, models=models, as_of=as_of)
    with Session(populated) as s, s.begin():
        r = s.get(EvaluationRun, first.run_id)
        r.started_at = started = r.started_at - dt.timedelta(days=3)
    corrected_at = started + dt.timedelta(days=2)  # by hand: two days after the run, one before "now"
    with Session(populated) as s, s.begin():
        for version, at in ((1, started - dt.timedelta(days=30)), (2, corrected_at)):
            s.add(
                RecordVersion(
                    record_id="d1",
                    version=version,
                    content_id=f"d1-v{version}",
                    recorded_at=at,
                    occurred_on=dt.date(2026, 1, 10),
                    fields={},
                    original={},
                )
            )
    with Session(populated) as s:
        assert service.latest_grades(s, "debtor", as_of)[0]["stale_since"] == corrected_at.date().isoformat()
        assert service.latest_grades(s, "good", as_of)[0]["stale_since"] is None  # nothing of its changed
        assert service.changed_subjects(s, model_id="city_enterprise") == {"debtor"}
