"""红桥 half-year ranking: grade points + awarded points, blacklisted firms excluded, the top 20%
subsidised once. Expected order and totals are worked out by hand below."""

from __future__ import annotations

import datetime as dt

import pytest

from helpers.rows import add_run
from xinyong.disclosure.policy import Viewer
from xinyong.ingest.service import ingest_rows
from xinyong.points import enterprise
from xinyong.points.models import PointsBenefit
from xinyong.points.service import PointsError
from xinyong.store.db import session_scope
from xinyong.subjects.identifiers import make_uscc
from xinyong.subjects.service import upsert_subjects

NOW = dt.datetime(2026, 7, 1, 8, 0)
OFFICER = Viewer(role="district_officer", district_code="120106", username="hongqiao")
PILOT = "hongqiao_zhengrong_building"


def _world(engine, grades):  # noqa: ANN001, ANN202
    rows = [
        {
            "kind": "enterprise",
            "name": f"正融科技{i}号公司",
            "uscc": make_uscc(f"91120106MA{i:07d}"),
            "pilot": PILOT,
        }
        for i in range(len(grades))
    ]
    with session_scope(engine) as s:
        ids = upsert_subjects(s, rows, now=NOW)
        add_run(
            s,
            "run1",
            model="city_enterprise",
            as_of=dt.date(2026, 6, 30),
            results={sid: (g, 0.0) for sid, g in zip(ids, grades, strict=True)},
            finished=NOW,
            engine="python",
            result_district="120106",
        )
    return ids, rows


def test_ranking_subsidies_and_blacklist(engine):
    # ten firms; grades A A B B B C C C D A; firm 9 (A) is a 失信被执行人 → excluded
    ids, rows = _world(engine, list("AABBBCCCDA"))
    result = ingest_rows(
        engine=engine,
        source="天津市高级人民法院",
        kind="judgment_debtor",
        now=NOW,
        rows=[
            {
                "subject_name": rows[9]["name"],
                "uscc": rows[9]["uscc"],
                "case_no": "(2026)津0106执1号",
                "court": "红桥区人民法院",
                "filed_on": "2026-03-01",
            }
        ],
    )
    assert result.accepted == 1
    with session_scope(engine) as s:
        # firm 2 (B, 30) earns 10 + 5 = 15 → 45 beats the A firms (40); firm 5 (C, 20) earns 3 → 23
        for sid, item, key, on in (
            (ids[2], "commitment_kept", "a", dt.date(2026, 2, 1)),
            (ids[2], "public_service", "b", dt.date(2026, 6, 30)),
            (ids[5], "credit_training", "c", dt.date(2026, 4, 1)),
            (ids[3], "commitment_kept", "d", dt.date(2026, 7, 1)),
        ):  # H2: not counted
            enterprise.award(s, subject_id=sid, item_id=item, viewer=OFFICER, on=on, idempotency_key=key)
        out = enterprise.grant_subsidies(s, period="2026-H1", on=dt.date(2026, 7, 5))
    ranked = out["ranked"]
    assert out["excluded"] == [ids[9]] and ids[9] not in [r.subject_id for r in ranked]
    assert len(ranked) == 9 and out["top_n"] == 1  # floor(9 × 20%) = 1
    assert (ranked[0].subject_id, ranked[0].total, ranked[0].subsidised) == (ids[2], 45, True)
    totals = sorted((r.total for r in ranked), reverse=True)
    assert totals == [45, 40, 40, 30, 30, 23, 20, 20, 0]
    assert out["granted"] == 2  # utility + parking for the one firm
    with session_scope(engine) as s:
        again = enterprise.grant_subsidies(s, period="2026-H1", on=dt.date(2026, 7, 6))
        assert again["granted"] == 0
        benefits = s.query(PointsBenefit).all()
        assert sorted((b.subject_id, b.kind, b.amount_fen) for b in benefits) == [
            (ids[2], "parking", 30_000),
            (ids[2], "utility", 100_000),
        ]


def test_only_hongqiao_may_award(engine):
    ids, _ = _world(engine, ["A"])
    with session_scope(engine) as s:
        for viewer in (Viewer(role="district_officer", district_code="120101"), Viewer(role="bank")):
            with pytest.raises(PointsError):
                enterprise.award(
                    s,
                    subject_id=ids[0],
                    item_id="public_service",
                    viewer=viewer,
                    on=dt.date(2026, 2, 1),
                    idempotency_key="x",
                )


def test_period_format():
    assert enterprise.period_bounds("2026-H2") == (dt.date(2026, 7, 1), dt.date(2026, 12, 31))
    with pytest.raises(PointsError):
        enterprise.period_bounds("2026-Q1")


def test_ties_at_the_cut_off_are_decided_alike_never_by_id(engine):
    # ten firms: A A A B B C C D B C, no awards. top_n = ⌊10 × 20 %⌋ = 2. The three A firms (40 each)
    # tie for rank 1 → all three subsidised although top_n is 2; the B firms (30) share rank 4.
    ids, _ = _world(engine, list("AAABBCCDBC"))
    with session_scope(engine) as s:
        out = enterprise.grant_subsidies(s, period="2026-H1", on=dt.date(2026, 7, 5))
    ranked = out["ranked"]
    assert out["top_n"] == 2 and out["subsidised"] == 3
    assert [(r.rank, r.total) for r in ranked] == [
        (1, 40), (1, 40), (1, 40), (4, 30), (4, 30), (4, 30), (7, 20), (7, 20), (7, 20), (10, 0)
    ]  # fmt: skip
    assert {r.subject_id for r in ranked if r.subsidised} == {ids[0], ids[1], ids[2]}
    assert out["granted"] == 6  # two benefits for each of the three tied firms


def test_grade_breaks_an_equal_total_and_zero_is_never_subsidised(engine):
    # firm 0: C (20) + 10 + 10 = 40; firm 1: A (40) + 0 = 40 → firm 1 first (better grade); D firms 0.
    ids, _ = _world(engine, list("CADDD"))
    with session_scope(engine) as s:
        for key, on in (("k1", dt.date(2026, 2, 1)), ("k2", dt.date(2026, 3, 1))):
            enterprise.award(
                s, subject_id=ids[0], item_id="commitment_kept", viewer=OFFICER, on=on, idempotency_key=key
            )
        out = enterprise.ranking(s, period="2026-H1")
    assert [(r.subject_id, r.rank, r.total, r.subsidised) for r in out["ranked"][:2]] == [
        (ids[1], 1, 40, True),
        (ids[0], 2, 40, False),  # top_n = ⌊5 × 20 %⌋ = 1
    ]
    zeros = [r for r in out["ranked"] if r.total == 0]
    assert len(zeros) == 3 and {r.rank for r in zeros} == {3} and not any(r.subsidised for r in zeros)


def test_nothing_earned_nothing_subsidised(engine):
    _world(engine, list("DDDDD"))  # top_n = 1, but every total is 0
    with session_scope(engine) as s:
        out = enterprise.ranking(s, period="2026-H1")
    assert out["top_n"] == 1 and out["subsidised"] == 0 and {r.rank for r in out["ranked"]} == {1}
