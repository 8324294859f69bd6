"""The small demo holds real 东丽 / 宝坻 / 红桥 activity for the walkthrough (docs/medical.md,
docs/points.md, docs/accounts.md): signed-up residents with charges, a statement repaid within the
free period, a defaulter reminded and suspended; a villager login that earned, was approved and
redeemed; a 红桥 H1 ranking in which grades known by 06-30 and earned points differ between firms."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from xinyong.accounts.models import User
from xinyong.demo.generator import DemoConfig
from xinyong.demo.service import build_demo
from xinyong.medical import service as medical
from xinyong.medical.models import MedicalLine, MedicalLineEvent
from xinyong.points import enterprise
from xinyong.points import service as points
from xinyong.store.db import make_engine, session_scope
from xinyong.subjects.models import Subject

END = dt.date(2026, 10, 31)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('activity') / 'demo.db'}"
    report = build_demo(url=url, config=DemoConfig(seed=2023, scale=0.02))
    engine = make_engine(url)
    yield engine, report
    engine.dispose()


def _login(s, username: str) -> User:  # noqa: ANN001
    user = s.scalar(select(User).where(User.username == username))
    assert user is not None, username
    return user


def test_dongli_residents_are_signed_up_and_the_flow_runs(demo):
    engine, report = demo
    with session_scope(engine) as s:
        lines = s.scalars(select(MedicalLine)).all()
        assert len(lines) >= 5 and report.steps["xinyong.medical.demo"]["lines"] == len(lines)
        for line in lines:  # each line follows the band of the score it was signed with (scheme.yaml)
            assert line.line_fen == medical.line_for_score(line.score) and line.score >= 600
        resident = _login(s, "resident")
        mine = s.scalar(select(MedicalLine).where(MedicalLine.subject_id == resident.subject_id))
        assert mine is not None and mine.status == "active"
        sts = medical.statements(s, resident.subject_id, END)
        paid = [st for st in sts if st.status == "paid"]
        assert paid and all(st.interest_fen == 0 for st in sts)  # repaid within the free period
        assert all(st.status != "overdue" for st in sts)
        suspended = [line for line in lines if line.status == "suspended"]
        assert len(suspended) >= 1
        events = {
            (e.line_id, e.event)
            for e in s.scalars(
                select(MedicalLineEvent).where(MedicalLineEvent.line_id.in_([x.id for x in suspended]))
            )
        }
        for line in suspended:
            assert (line.id, "reminded") in events and (line.id, "suspended") in events
            assert any(st.overdue_days >= 15 for st in medical.statements(s, line.subject_id, END))
        d = medical.dashboard(s, district_code="120110", as_of=END)
        assert d["lines"] == len(lines) and d["overdue_lines"] >= 1 and d["suspended"] == len(suspended)
        hospital = _login(s, "dongli_hospital")
        assert s.get(Subject, hospital.subject_id).pilot == "dongli_credit_medical"


def test_villager_login_earned_was_approved_redeemed_and_is_ranked(demo):
    engine, _ = demo
    with session_scope(engine) as s:
        villager = _login(s, "cunmin")
        person = s.get(Subject, villager.subject_id)
        assert person.kind == "person" and person.district_code == "120115"
        committee = _login(s, "cunwei")
        assert person.parent_id in points.committee_villages(s, committee.username)
        h = points.history(s, person.id)
        kinds = {m["kind"] for m in h["movements"]}
        assert {"points.award", "points.redeem"} <= kinds
        assert h["balance"] == sum(m["points"] for m in h["movements"])
        ranking = points.monthly_ranking(s, village_id=person.parent_id, month="2026-10")
        masked = {r.name for r in ranking}
        assert person.name[0] + "*" * (len(person.name) - 2) + person.name[-1] in masked or (
            len(person.name) == 2 and person.name[0] + "*" in masked
        )


def test_hongqiao_h1_and_h2_rankings_differ_by_merit(demo):
    engine, _ = demo
    with session_scope(engine) as s:
        for period in ("2026-H1", "2026-H2"):
            out = enterprise.ranking(s, period=period)
            ranked = out["ranked"]
            assert ranked, period
            assert all(r.grade is not None for r in ranked), period  # graded by the period end
            assert len({r.total for r in ranked}) >= 3, period  # totals differ, not all 0
            assert sum(r.earned_points > 0 for r in ranked) >= len(ranked) // 3, period
            # subsidised exactly when the rank is within top_n and the total is positive
            assert all(r.subsidised == (r.rank <= out["top_n"] and r.total > 0) for r in ranked)
            cut = [r for r in ranked if r.subsidised]
            assert min(r.total for r in cut) >= max((r.total for r in ranked if not r.subsidised), default=-1)


def test_points_evidence_reads_as_chinese_text_not_field_keys(demo):
    """Every generated claim's evidence is a text a committee would read: no value names an evidence
    key (the old "事迹说明：演示description") and none carries Latin letters."""
    from xinyong.points.models import PointsClaim

    engine, _ = demo
    with session_scope(engine) as s:
        claims = s.scalars(select(PointsClaim)).all()
    assert claims
    for c in claims:
        for key, value in c.evidence.items():
            assert value and key not in value and not any("a" <= ch.lower() <= "z" for ch in value), (
                key,
                value,
            )


def test_demo_grant_is_valid_from_the_build_day_not_the_demo_date(demo):
    """The resident → bank score grant counts from the day the demo is built (today in Beijing), so the
    demo bank sees the resident on the day after the documented as-of date (2026-10-31 + 30 days was
    already over on 2026-12-01)."""
    from xinyong import clock
    from xinyong.incentives.models import ScoreGrant

    engine, _ = demo
    built_on = clock.today()  # the fixture built the demo today
    with session_scope(engine) as s:
        grant = s.scalars(select(ScoreGrant)).one()
    # by hand: the end of the 30th day after the build day in Beijing (UTC+8) = that day +31 at 00:00 local
    end = dt.datetime.combine(built_on + dt.timedelta(days=31), dt.time(0, 0)) - dt.timedelta(hours=8)
    assert grant.expires_at == end
    assert grant.granted_at <= clock.utcnow_naive() < grant.expires_at


def test_demo_grant_window_by_hand():
    from xinyong.incentives.demo import grant_window

    demo_now = dt.datetime(2026, 10, 31, 9, 0)  # the step's instant on the demo's as-of date (UTC)
    # built on 2026-12-01: granted at 00:00 Beijing = 2026-11-30T16:00Z, ends 2026-12-31T16:00Z
    assert grant_window(demo_now, dt.date(2026, 12, 1)) == (
        dt.datetime(2026, 11, 30, 16, 0),
        dt.datetime(2026, 12, 31, 16, 0),
    )
    # built two years on: still inside the one-year limit of a grant
    assert grant_window(demo_now, dt.date(2028, 12, 1))[1] == dt.datetime(2028, 12, 31, 16, 0)
    # built before the as-of date (a test clock): from the step's own instant, 2026-10-31 17:00 Beijing
    assert grant_window(demo_now, dt.date(2026, 1, 1)) == (demo_now, dt.datetime(2026, 11, 30, 16, 0))
