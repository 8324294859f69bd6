"""Lists follow grade changes without anyone running `xinyong list sync` (SQLite and PostgreSQL):
new grades re-check the lists for the graded subjects in the evaluation's own transaction
(evaluation.hooks → lists.listeners); the worker's daily job syncs every list as of today; an
officer's acceptance re-checks the criteria as of the decision date; the console's "sync now"."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from fastapi.testclient import TestClient
from lists_world import add_run, build
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpers.console import csrf_token, form_login
from xinyong import clock
from xinyong.evaluation.models import EvaluationResult
from xinyong.ingest.service import ingest_rows
from xinyong.ledger.service import read_leaves
from xinyong.lists import service
from xinyong.lists.models import ListCandidate, ListMembership
from xinyong.store.db import session_scope
from xinyong.subjects.identifiers import make_uscc
from xinyong.subjects.service import upsert_subjects

AS_OF = dt.date(2026, 10, 31)
NOW = dt.datetime(2026, 10, 31, 2, 0)


def uscc(n: int) -> str:
    return make_uscc(f"91120101MB{n:07d}")


def _grade(engine, sid: str) -> tuple[str, float]:
    from xinyong.evaluation.service import latest_grades

    with Session(engine) as s:
        g = latest_grades(s, sid, AS_OF)[0]
    return g["grade"], g["score"]


def _evaluate(engine, tmp_path, **kw):
    from xinyong.evaluation.service import evaluate

    return evaluate(
        engine,
        model_id="city_enterprise",
        as_of=AS_OF,
        engine_name="python",
        snapshot_dir=tmp_path / "snap",
        **kw,
    )


def _candidates(engine, list_id: str) -> dict[str, str]:
    with Session(engine) as s:
        return {
            c.subject_id: c.status
            for c in s.scalars(select(ListCandidate).where(ListCandidate.list_id == list_id))
        }


def _members(engine, list_id: str, as_of: dt.date = AS_OF) -> dict[str, ListMembership]:
    with Session(engine) as s:
        return service.active_members(s, list_id, as_of)


def test_a_regraded_firm_enters_the_focus_list_and_leaves_its_whitelist_candidacy(engine, tmp_path):
    rows = [
        dict(kind="enterprise", name=f"和平商户{n}", uscc=uscc(n), district_code="120101") for n in range(2)
    ]
    with Session(engine) as s, s.begin():
        firm, other = upsert_subjects(s, rows)
    _evaluate(engine, tmp_path)
    # Clean firms: 0.5 × 100 + 0.3 × 60 + 0.2 × 50 = 78 points → B (70 ≤ B < 85), by the model's text.
    assert _grade(engine, firm) == ("B", 78.0)
    # Grading alone queued both for the financing whitelist (A/B, no serious record, officer decides)
    # and put neither on the focus list (C/D or two negative records in a year): no sync was called.
    assert _candidates(engine, "financing_whitelist") == {firm: "pending", other: "pending"}
    assert _members(engine, "focus_watch") == {}
    # A serious penalty (责令停产停业) of the firm: the model caps the grade at C (serious_penalty_cap).
    ingest_rows(
        engine=engine,
        rows=[
            dict(
                subject_name="和平商户0",
                uscc=uscc(0),
                decision_no="津和市监罚〔2026〕88号",
                penalty_type="责令停产停业",
                decision_date=dt.date(2026, 9, 1),
                authority="和平区市场监督管理局",
            )
        ],
        source="和平区市场监督管理局",
        kind="penalty",
        now=NOW,
    )
    _evaluate(engine, tmp_path)  # the next grading run
    grade, _ = _grade(engine, firm)
    assert grade == "C"
    focus = _members(engine, "focus_watch")
    assert set(focus) == {firm}
    m = focus[firm]
    # entered by the rule on the grade: one negative record in a year is below the "two records" arm
    assert m.via == "rule" and m.start_on == AS_OF and m.actor == "lists-after-grading"
    assert m.facts["grade[city_enterprise]"] == "C" and m.facts["records.negative_any_1y"] == 1
    with Session(engine) as s:
        leaf = json.loads(read_leaves(s, [m.leaf_index])[m.leaf_index].data)
    assert leaf["type"] == "list.entered" and leaf["list"] == "focus_watch" and leaf["subject_id"] == firm
    # its whitelist candidacy lapsed (criteria re-checked on the new grade); the other firm's stays
    assert _candidates(engine, "financing_whitelist") == {firm: "lapsed", other: "pending"}
    # The serious-dishonesty rule reads records, not grades: grading leaves it to the daily job, which
    # queues the firm (a serious penalty within three years; an officer decides).
    assert _candidates(engine, "serious_dishonesty") == {}
    from xinyong.lists.jobs import run_daily

    run_daily(engine, now=NOW)
    assert _candidates(engine, "serious_dishonesty") == {firm: "pending"}
    assert _grade(engine, other) == ("B", 78.0)


def test_a_failing_list_rolls_the_grades_back(engine, tmp_path, monkeypatch):
    """Grades and the list memberships they imply commit together or not at all."""
    from xinyong.lists import listeners

    with Session(engine) as s, s.begin():
        upsert_subjects(s, [dict(kind="enterprise", name="和平商户X", uscc=uscc(9), district_code="120101")])

    def broken(*a, **kw):
        raise RuntimeError("list sync failed")

    monkeypatch.setattr(listeners, "sync_all", broken, raising=False)
    monkeypatch.setattr(service, "sync_all", broken)
    with pytest.raises(RuntimeError, match="list sync failed"):
        _evaluate(engine, tmp_path)
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(EvaluationResult)) == 0


@pytest.fixture
def world(engine):
    build(engine)
    return engine


def test_the_daily_job_syncs_every_list_as_of_today(world):
    from xinyong.notify.registry import SCHEDULED_JOBS
    from xinyong.notify.worker import run_daily

    assert "xinyong.lists.jobs" in SCHEDULED_JOBS
    now = dt.datetime(2026, 7, 15, 2, 0)  # 10:00 in Tianjin: today is 2026-07-15
    out = run_daily(world, now=now)["xinyong.lists.jobs"]
    day = dt.date(2026, 7, 15)
    # lists_world's docstring, by hand: red E1 (A, clean); focus E5 (C); serious-dishonesty candidate E4
    # (serious penalty 2025-03-01); financing candidates: A/B enterprises without a serious record:
    # E1, E2 (a general penalty only), E3 (B).
    assert set(_members(world, "red_honest", day)) == {"E1"}
    assert set(_members(world, "focus_watch", day)) == {"E5"}
    assert _candidates(world, "serious_dishonesty") == {"E4": "pending"}
    assert set(_candidates(world, "financing_whitelist")) == {"E1", "E2", "E3"}
    assert out["entered"] == 2 and out["candidates"] >= 4
    again = run_daily(world, now=now + dt.timedelta(hours=1))["xinyong.lists.jobs"]
    assert again == {"entered": 0, "exited": 0, "expired": 0, "candidates": 0, "lapsed_candidates": 0}


def test_acceptance_rechecks_the_criteria_as_of_the_decision_date(world):
    d1 = dt.date(2026, 7, 15)
    with session_scope(world) as s:
        service.sync(s, list_id="financing_whitelist", as_of=d1)
    with Session(world) as s:
        ids = {
            c.subject_id: c.id for c in service.candidates(s, list_id="financing_whitelist", status="pending")
        }
    # E3 re-graded C by a later run written straight to the store (no hook: the queue is stale)
    with session_scope(world) as s:
        add_run(s, "run2", dt.date(2026, 7, 20), {"E3": "C"}, dt.datetime(2026, 7, 21))
    decided = dt.datetime(2026, 7, 22, 2, 0)
    with Session(world) as s, pytest.raises(service.ListError) as err:
        service.decide(s, candidate_id=ids["E3"], decision="accept", actor="officer", reason="r", now=decided)
    assert "已不符合" in err.value.zh and "no longer meets" in err.value.en and "2026-07-22" in str(err.value)
    with Session(world) as s:
        assert s.get(ListCandidate, ids["E3"]).status == "pending"
        assert s.scalar(select(func.count()).select_from(ListMembership)) == 0
    # E1 still qualifies: accepted; the membership keeps the facts as of the decision date
    with session_scope(world) as s:
        service.decide(s, candidate_id=ids["E1"], decision="accept", actor="officer", reason="r", now=decided)
        # a rejection needs no re-check
        service.decide(s, candidate_id=ids["E3"], decision="reject", actor="officer", reason="r", now=decided)
    m = _members(world, "financing_whitelist", dt.date(2026, 7, 22))["E1"]
    assert m.facts["grade[city_enterprise]"] == "A" and m.start_on == dt.date(2026, 7, 22)


PASSWORD = "correct-horse-42"


def _login(client: TestClient, username: str) -> str:
    form_login(client, username, PASSWORD)
    return csrf_token(client.get("/lists").text)


def test_sync_now_button(world, db_url):
    """按规则同步: a district office re-checks its own district's subjects, the city all of them."""
    import dataclasses

    from xinyong.accounts.service import create_user
    from xinyong.app import create_app
    from xinyong.settings import Settings

    with session_scope(world) as s:
        create_user(s, username="admin", role="city_admin", password=PASSWORD)
        create_user(s, username="heping", role="district_officer", password=PASSWORD, district_code="120101")
        create_user(s, username="bank", role="bank", password=PASSWORD)
    app = create_app(dataclasses.replace(Settings.from_env(), database_url=db_url))
    with TestClient(app) as hp, TestClient(app) as admin, TestClient(app) as bank:
        t = _login(hp, "heping")
        assert 'id="sync-all"' in hp.get("/lists").text
        assert hp.post("/lists/sync", data={}, follow_redirects=False).status_code in (400, 403)  # no CSRF
        assert _members(world, "red_honest") == {}
        r = hp.post("/lists/sync", data={"csrf_token": t}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/lists?msg=")
        # 和平 (120101): E1 enters the red list; E5 (西青, grade C) is not 和平's to re-check
        today = clock.today()  # the route syncs as of today in Beijing, not in UTC
        assert set(_members(world, "red_honest", today)) == {"E1"}
        assert _members(world, "focus_watch", today) == {}
        assert "已按规则同步" in hp.get(r.headers["location"]).text
        t = _login(admin, "admin")
        admin.post("/lists/sync", data={"csrf_token": t}, follow_redirects=False)
        assert set(_members(world, "focus_watch", today)) == {"E5"}
        token = re.search(r'name="csrf_token" value="([^"]*)"', bank.get("/login").text).group(1)
        r = bank.post(
            "/login",
            data={"username": "bank", "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert r.status_code == 303
        assert bank.post("/lists/sync", data={"csrf_token": token}).status_code == 403  # not an office
    app.state.engine.dispose()
