"""Individual credit score (models/person_haihe.yaml): values computed by hand from the YAML, the
0–1000 bound as a property, and who may read it (the person; a live grant, logged; nobody else)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpers.world import add_record, add_subject, add_user
from xinyong.accounts.models import AccessLog, User
from xinyong.accounts.service import viewer_for
from xinyong.disclosure.policy import OPERATOR, Viewer
from xinyong.evaluation.service import load_models
from xinyong.incentives import person
from xinyong.incentives.errors import IncentiveError
from xinyong.subjects.models import Subject

AS_OF = dt.date(2025, 6, 1)
NOW = dt.datetime(2025, 6, 1, 4, 0)

# By hand from models/person_haihe.yaml: weights 40/30/15/15, bases 1000/400/800/300.
CLEAN = 400 + 120 + 120 + 45  # 685


def _viewer(session: Session, username: str) -> Viewer:
    return viewer_for(session.scalar(select(User).where(User.username == username)))


@pytest.fixture
def world(engine):
    with Session(engine) as s, s.begin():
        add_subject(s, "P1", kind="person")
        add_subject(s, "P2", kind="person")
        add_subject(s, "E1")
        add_user(s, "p1self", "subject", subject_id="P1")
        add_user(s, "p2self", "subject", subject_id="P2")
        add_user(s, "officer", "district_officer", district_code="120101")
        add_user(s, "cityadmin", "city_admin")
        add_user(s, "bankuser", "bank")
        add_record(s, "pen1", "P2", "penalty", dt.date(2025, 3, 1), severity="general")
        add_record(
            s, "c1", "P2", "commitment", dt.date(2025, 4, 1), polarity="positive", fields={"status": "signed"}
        )
    return engine


def test_the_model_is_bounded_and_uses_no_protected_attribute():
    spec = load_models()["person_haihe"]
    assert spec.subject_kinds == ["person"] or list(spec.subject_kinds) == ["person"]
    assert sum(d.weight for d in spec.dimensions) == 100
    assert all(d.min == 0 and d.max == 1000 for d in spec.dimensions)
    assert all(i.source == "records" for i in spec.indicators)  # no attribute/manual input at all
    text = Path("models/person_haihe.yaml").read_text(encoding="utf-8").split("\nid:")[1]
    for word in ("sex", "gender", "age", "birth", "ethnic", "nation", "性别", "年龄", "民族", "籍贯"):
        assert f"field: {word}" not in text and f"attribute: {word}" not in text


def test_scores_by_hand_and_only_the_person_sees_them(world):
    with Session(world) as s, s.begin():
        me1, me2 = _viewer(s, "p1self"), _viewer(s, "p2self")
        assert person.person_score(s, subject_id="P1", as_of=AS_OF, viewer=me1, now=NOW) == CLEAN
        # general penalty −150 on dishonesty (×0.4 = −60); commitment +200 on civic (×0.15 = +30)
        assert person.person_score(s, subject_id="P2", as_of=AS_OF, viewer=me2, now=NOW) == CLEAN - 60 + 30
        # a year and a day later the penalty left the 365-day window
        assert (
            person.person_score(s, subject_id="P2", as_of=dt.date(2026, 3, 2), viewer=me2, now=NOW)
            == CLEAN + 30
        )
        for name in ("p2self", "officer", "cityadmin", "bankuser"):
            assert (
                person.person_score(s, subject_id="P1", as_of=AS_OF, viewer=_viewer(s, name), now=NOW) is None
            )
        assert person.person_score(s, subject_id="P1", as_of=AS_OF, viewer=Viewer.PUBLIC, now=NOW) is None
        assert person.person_score(s, subject_id="E1", as_of=AS_OF, viewer=OPERATOR, now=NOW) is None
        assert s.scalar(select(AccessLog.id)) is None  # the person's own reads are not third-party reads


def test_report_names_reasons_and_what_would_raise_it(world):
    with Session(world) as s, s.begin():
        rep = person.score_report(s, subject_id="P2", as_of=AS_OF, viewer=_viewer(s, "p2self"), now=NOW)
        assert rep["score"] == CLEAN - 30 and rep["grade"] == "A"  # 655: band A is 600 ≤ score < 700
        repair = next(r for r in rep["repairs"] if r["record_id"] == "pen1")
        assert repair["repairable_from"] is not None
        assert any(g["indicator"] == "honours" for g in rep["positive_gains"])
        with pytest.raises(IncentiveError) as err:
            person.score_report(s, subject_id="P2", as_of=AS_OF, viewer=_viewer(s, "officer"), now=NOW)
        assert err.value.status == 404


def test_a_live_grant_lets_one_user_read_and_every_read_is_logged(world):
    with Session(world) as s, s.begin():
        me, bank, officer = _viewer(s, "p1self"), _viewer(s, "bankuser"), _viewer(s, "officer")
        g = person.grant_score_access(
            s,
            subject_id="P1",
            grantee_username="bankuser",
            purpose="信用就医额度审批",
            expires_at=NOW + dt.timedelta(days=30),
            actor=me,
            now=NOW,
        )
        assert person.person_score(s, subject_id="P1", as_of=AS_OF, viewer=bank, now=NOW) == CLEAN
        assert person.person_score(s, subject_id="P1", as_of=AS_OF, viewer=officer, now=NOW) is None
        logs = s.scalars(select(AccessLog)).all()
        assert [(x.subject_id, x.purpose, x.username) for x in logs] == [
            ("P1", "信用就医额度审批", "bankuser")
        ]
        assert logs[0].detail["grant_id"] == g.id
        # expired: the second after expiry nothing
        later = NOW + dt.timedelta(days=30)
        assert person.person_score(s, subject_id="P1", as_of=AS_OF, viewer=bank, now=later) is None
        # revoked: nothing, and revoking twice keeps the first stamp
        person.revoke_grant(s, grant_id=g.id, actor=me, now=NOW + dt.timedelta(hours=1))
        person.revoke_grant(s, grant_id=g.id, actor=me, now=NOW + dt.timedelta(hours=2))
        assert g.revoked_at == NOW + dt.timedelta(hours=1)
        assert (
            person.person_score(s, subject_id="P1", as_of=AS_OF, viewer=bank, now=NOW + dt.timedelta(hours=3))
            is None
        )
        assert len(s.scalars(select(AccessLog)).all()) == 1


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"purpose": "  "}, "purpose"),
        ({"expires_at": NOW - dt.timedelta(seconds=1)}, "expires_at"),
        ({"expires_at": NOW + dt.timedelta(days=400)}, "expires_at"),
        ({"grantee_username": "nobody"}, "grantee"),
        ({"subject_id": "E1"}, "subject_id"),
    ],
)
def test_bad_grants_are_refused_and_change_nothing(world, kw, field):
    from xinyong.incentives.models import ScoreGrant

    args = dict(
        subject_id="P1",
        grantee_username="bankuser",
        purpose="贷款审批",
        expires_at=NOW + dt.timedelta(days=3),
        now=NOW,
    )
    args.update(kw)
    with Session(world) as s, s.begin():
        with pytest.raises(IncentiveError) as err:
            person.grant_score_access(s, actor=_viewer(s, "p1self"), **args)
        assert err.value.field == field and err.value.zh and err.value.en
        assert s.scalar(select(ScoreGrant.id)) is None


def test_nobody_but_the_person_grants(world):
    with Session(world) as s, s.begin():
        for name in ("p2self", "officer", "bankuser"):
            with pytest.raises(IncentiveError):
                person.grant_score_access(
                    s,
                    subject_id="P1",
                    grantee_username="bankuser",
                    purpose="x",
                    expires_at=NOW + dt.timedelta(days=1),
                    actor=_viewer(s, name),
                    now=NOW,
                )


COUNTS = st.fixed_dictionaries(
    {
        "serious": st.integers(0, 3),
        "general": st.integers(0, 4),
        "overdue": st.integers(0, 4),
        "repaid": st.integers(0, 4),
        "breach": st.integers(0, 4),
        "honour": st.integers(0, 3),
        "debtor": st.booleans(),
    }
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(counts=COUNTS)
def test_score_stays_in_0_1000_and_matches_a_second_computation(sqlite_engine, counts):
    """Second implementation: the dimension clamps and weights written out by hand."""
    sid = "H" + "".join(str(int(v)) for v in counts.values())
    with Session(sqlite_engine) as s, s.begin():
        if s.get(Subject, sid) is None:
            add_subject(s, sid, kind="person")
            day = dt.date(2025, 5, 1)
            n = 0
            for key, kind, sev, fields, pol in [
                ("serious", "penalty", "serious", {}, "negative"),
                ("general", "penalty", "general", {}, "negative"),
                ("overdue", "financing", None, {"status": "overdue"}, "positive"),
                ("repaid", "financing", None, {"status": "repaid"}, "positive"),
                ("breach", "contract_performance", None, {"performance": "breached"}, "negative"),
                ("honour", "honour", None, {}, "positive"),
            ]:
                for _ in range(counts[key]):
                    n += 1
                    add_record(s, f"{sid}-{n}", sid, kind, day, severity=sev, fields=fields, polarity=pol)
            if counts["debtor"]:
                add_record(s, f"{sid}-d", sid, "judgment_debtor", day)
        got = person.person_score(
            s, subject_id=sid, as_of=AS_OF, viewer=Viewer(role="subject", subject_id=sid)
        )

    def clamp(x: int) -> int:
        return max(0, min(1000, x))

    dishonesty = clamp(
        1000 - 800 * counts["debtor"] - min(400 * counts["serious"], 800) - min(150 * counts["general"], 450)
    )
    finance = clamp(400 - min(250 * counts["overdue"], 600) + min(100 * counts["repaid"], 300))
    contract = clamp(800 - min(200 * counts["breach"], 600))
    civic = clamp(300 + min(200 * counts["honour"], 400))
    expected = (40 * dishonesty + 30 * finance + 15 * contract + 15 * civic) / 100
    assert 0 <= got <= 1000
    assert got == int(expected + 0.5)
