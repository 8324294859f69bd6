"""宝坻 village points: a villager earns, is approved, redeems, appears in the monthly ranking.
Expected figures come from the scheme file by hand (honesty 10, volunteering 5, party study 3,
clean home 5, littering −5; soap 20, towel 30)."""

from __future__ import annotations

import datetime as dt

import pytest
from points_world import build_village
from sqlalchemy import select

from xinyong.books import service as books
from xinyong.books.service import AmountError
from xinyong.points import service as points
from xinyong.points.service import PointsError
from xinyong.records.models import Record
from xinyong.store.db import session_scope

D = dt.date


def _claim(s, pid, item, key, evidence=None, on=D(2026, 5, 3)):  # noqa: ANN001, ANN202
    ev = (
        evidence
        if evidence is not None
        else {
            "description": "拾金不昧",
            "activity": "义务巡河",
            "sign_in": "签到表3号",
            "session": "5月主题党日",
            "photo": "img-1.jpg",
        }
    )
    return points.claim(
        s, villager_id=pid, item_id=item, evidence=ev, claimed_on=on, idempotency_key=key, submitted_by="self"
    )


def test_earn_approve_redeem_rank(engine):
    w = build_village(engine)
    a, b, c, _ = w["people"]
    with session_scope(engine) as s:
        ids = [
            _claim(s, a, "honesty", "c1").id,
            _claim(s, a, "volunteering", "c2").id,
            _claim(s, b, "honesty", "c3").id,
            _claim(s, c, "clean_home", "c4").id,
            _claim(s, c, "party_study", "c5").id,
            _claim(s, a, "clean_home", "c6").id,
        ]
        assert [x.id for x in points.pending_claims(s, [w["village"]])] == ids
        for cid in ids:
            points.decide(s, claim_id=cid, actor="cun_wei", approve=True, decided_on=D(2026, 5, 10))
        points.restock(
            s,
            village_id=w["village"],
            sku="soap",
            quantity=2,
            actor="cun_wei",
            idempotency_key="r1",
            on=D(2026, 5, 1),
        )
        points.redeem(
            s, villager_id=a, sku="soap", quantity=1, actor="cun_wei", idempotency_key="x1", on=D(2026, 5, 12)
        )
    with session_scope(engine) as s:
        h = points.history(s, a)
        assert h["balance"] == 10 + 5 + 5 - 20
        assert sorted(m["points"] for m in h["movements"]) == [-20, 5, 5, 10]
        assert h["movements"][0]["kind"] == "points.redeem"  # newest first
        assert books.balance(s, f"points:stock:{w['village']}:soap") == 1
        rank = points.monthly_ranking(s, village_id=w["village"], month="2026-05")
        # a 20, b 10, c 8; redemptions do not lower the earned ranking; names masked (张三丰 → 张*丰)
        assert [(r.rank, r.points) for r in rank] == [(1, 20), (2, 10), (3, 8)]
        assert all("*" in r.name for r in rank) and "三丰" not in rank[0].name
        assert points.monthly_ranking(s, village_id=w["village"], month="2026-04") == []
        counts = points.district_counts(s, district_code="120115")
        assert counts["villages_on_scheme"] == 2 and counts["points_awarded"] == 38
        assert counts["points_redeemed"] == 20 and counts["claims_pending"] == 0
        assert books.check(s)["unbalanced"] == 0


def test_ties_share_a_rank(engine):
    w = build_village(engine)
    a, b, c, _ = w["people"]
    with session_scope(engine) as s:
        for pid, item, key in ((a, "clean_home", "1"), (b, "volunteering", "2"), (c, "party_study", "3")):
            points.decide(
                s,
                claim_id=_claim(s, pid, item, key).id,
                actor="cun_wei",
                approve=True,
                decided_on=D(2026, 5, 10),
            )
        assert [
            (r.rank, r.points) for r in points.monthly_ranking(s, village_id=w["village"], month="2026-05")
        ] == [(1, 5), (1, 5), (3, 3)]


def test_outsider_cannot_approve_and_nothing_moves(engine):
    w = build_village(engine)
    a = w["people"][0]
    with session_scope(engine) as s:
        cid = _claim(s, a, "honesty", "c1").id
        for outsider in ("lin_cun", "nobody", None):  # another village's committee, a stranger, anonymous
            with pytest.raises(PointsError) as err:
                points.decide(s, claim_id=cid, actor=outsider, approve=True, decided_on=D(2026, 5, 10))
            assert "村委会" in err.value.zh and "committee" in err.value.en
        assert points.history(s, a)["balance"] == 0 and books.check(s)["transactions"] == 0
        assert len(points.pending_claims(s, [w["village"]])) == 1


def test_evidence_required_and_decided_once(engine):
    w = build_village(engine)
    a = w["people"][0]
    with session_scope(engine) as s:
        with pytest.raises(PointsError) as err:
            _claim(s, a, "volunteering", "c1", evidence={"activity": "巡河"})
        assert err.value.field == "evidence" and "sign_in" in err.value.en
        cid = _claim(s, a, "honesty", "c2").id
        d1 = points.decide(s, claim_id=cid, actor="cun_wei", approve=True, decided_on=D(2026, 5, 10))
        assert (
            points.decide(s, claim_id=cid, actor="cun_wei", approve=True, decided_on=D(2026, 5, 11)).id
            == d1.id
        )
        with pytest.raises(PointsError):
            points.decide(s, claim_id=cid, actor="cun_wei", approve=False, decided_on=D(2026, 5, 11))
        assert points.history(s, a)["balance"] == 10


@pytest.mark.parametrize(
    ("qty", "stock", "err"),
    [(1, 0, PointsError), (2, 5, PointsError), (-1, 5, AmountError), (0.5, 5, AmountError)],
)
def test_redemption_beyond_stock_or_balance_changes_nothing(engine, qty, stock, err):
    w = build_village(engine)
    a = w["people"][0]
    with session_scope(engine) as s:
        points.decide(
            s,
            claim_id=_claim(s, a, "honesty", "c").id,
            actor="cun_wei",
            approve=True,
            decided_on=D(2026, 5, 10),
        )
        points.decide(
            s,
            claim_id=_claim(s, a, "clean_home", "d").id,
            actor="cun_wei",
            approve=True,
            decided_on=D(2026, 5, 10),
        )  # 15 points
        if stock:
            points.restock(
                s,
                village_id=w["village"],
                sku="soap",
                quantity=stock,
                actor="cun_wei",
                idempotency_key="r",
                on=D(2026, 5, 1),
            )
        before = books.check(s)["transactions"]
    # 15 points buy no soap (20) — qty 1 with stock 0 fails on stock first or points; both refused
    with session_scope(engine) as s, pytest.raises(err):
        points.redeem(
            s,
            villager_id=a,
            sku="soap",
            quantity=qty,
            actor="cun_wei",
            idempotency_key="x",
            on=D(2026, 5, 12),
        )
    with session_scope(engine) as s:
        assert books.check(s)["transactions"] == before
        assert points.history(s, a)["balance"] == 15
        assert books.balance(s, f"points:stock:{w['village']}:soap") == stock


def test_stock_runs_out_exactly(engine):
    w = build_village(engine)
    a = w["people"][0]
    with session_scope(engine) as s:
        for i in range(5):
            points.decide(
                s,
                claim_id=_claim(s, a, "honesty", f"c{i}").id,
                actor="cun_wei",
                approve=True,
                decided_on=D(2026, 5, 10),
            )  # 50 points
        points.restock(
            s,
            village_id=w["village"],
            sku="soap",
            quantity=1,
            actor="cun_wei",
            idempotency_key="r",
            on=D(2026, 5, 1),
        )
        points.redeem(
            s, villager_id=a, sku="soap", quantity=1, actor="cun_wei", idempotency_key="x1", on=D(2026, 5, 12)
        )
        with pytest.raises(PointsError) as err:
            points.redeem(
                s,
                villager_id=a,
                sku="soap",
                quantity=1,
                actor="cun_wei",
                idempotency_key="x2",
                on=D(2026, 5, 12),
            )
        assert "库存不足" in err.value.zh
        assert points.history(s, a)["balance"] == 30


def test_points_events_reach_the_archive(engine):
    w = build_village(engine)
    a = w["people"][0]
    with session_scope(engine) as s:
        points.decide(
            s,
            claim_id=_claim(s, a, "honesty", "c").id,
            actor="cun_wei",
            approve=True,
            decided_on=D(2026, 5, 10),
        )
    assert points.sync_archive(engine) == 1
    assert points.sync_archive(engine) == 0  # re-running adds nothing
    with session_scope(engine) as s:
        rec = s.scalars(select(Record).where(Record.subject_id == a)).one()
        assert rec.kind == "points_event" and rec.fields["points"] in (10, "10")


def test_a_bad_quantity_is_a_catchable_quantity_error_each_time():
    # QuantityError is an exception class (both a PointsError and an AmountError), raised afresh each
    # time; the quantity is checked before anything is read, so no database is needed here.
    assert isinstance(points.QuantityError, type)
    raised = []
    for _ in range(2):
        with pytest.raises(points.QuantityError) as err:
            points.redeem(
                None, villager_id="x", sku="soap", quantity="0", actor="a", idempotency_key="k", on=None
            )
        assert isinstance(err.value, books.AmountError) and err.value.field == "quantity"
        raised.append(err.value)
    assert raised[0] is not raised[1]
