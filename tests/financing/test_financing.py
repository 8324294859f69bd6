"""信易贷 matching in the store (SQLite and PostgreSQL): needs, whitelists (rule + review), pushes to
named banks, what a bank may see, outcomes, the pilot aggregates and bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpers.world import add_record, add_subject, add_user
from xinyong.accounts.models import AccessLog, User
from xinyong.accounts.service import viewer_for
from xinyong.disclosure.policy import OPERATOR
from xinyong.financing import service as fin
from xinyong.financing.models import Need, Outcome, Whitelist
from xinyong.incentives.errors import IncentiveError
from xinyong.subjects.models import Subject

AS_OF = dt.date(2025, 6, 1)
XQ = {"district": "120111", "pilot": "xiqing_industrial_chains", "attributes": {"role": "ic_chain"}}
GOOD_RULE = 'grade.city_enterprise in ["A", "B"]'


def v(s: Session, username: str):
    return viewer_for(s.scalar(select(User).where(User.username == username)))


@pytest.fixture
def world(engine):
    with Session(engine) as s, s.begin():
        for sid in ("G1", "G2"):
            add_subject(s, sid, **XQ)
            for i, kind in enumerate(["honour", "commitment", "commitment"]):
                add_record(
                    s,
                    f"{sid}{i}",
                    sid,
                    kind,
                    dt.date(2025, 1, 10),
                    polarity="positive",
                    fields={"status": "kept"},
                )
            add_record(
                s, f"{sid}t", sid, "tax_grade", dt.date(2025, 4, 1), polarity="neutral", fields={"grade": "A"}
            )
        add_record(
            s,
            "G1c",
            "G1",
            "complaint",
            dt.date(2025, 5, 1),
            disclosure="authorised",
            fields={"resolution": "resolved"},
        )
        add_subject(s, "BAD", **XQ)
        add_record(s, "b1", "BAD", "penalty", dt.date(2025, 3, 1), severity="serious")
        add_record(s, "b2", "BAD", "penalty", dt.date(2025, 4, 1), severity="serious")
        add_subject(s, "HX", district="120103")
        add_user(s, "xqoffice", "district_officer", district_code="120111")
        add_user(s, "hxoffice", "district_officer", district_code="120103")
        add_user(s, "bocom1", "bank")
        add_user(s, "psbc1", "bank")
        add_user(s, "g1login", "subject", subject_id="G1")
        fin.register_bank(s, bank_id="bocom", name="交通银行天津分行", usernames=["bocom1"])
        fin.register_bank(s, bank_id="psbc", name="邮储银行天津分行", usernames=["psbc1"])
        for sid, fen in (("G1", 500_000_000), ("G2", 300_000_000), ("BAD", 100_000_000), ("HX", 1_000)):
            fin.declare_need(
                s,
                subject_id=sid,
                amount_fen=fen,
                term_months=12,
                purpose="流动资金",
                actor="t",
                idempotency_key=f"n-{sid}",
            )
    return engine


@pytest.mark.parametrize("amount", [-1, 0, 1.5, "12.5", True, None, 10**15])
def test_bad_amounts_change_nothing(world, amount):
    with Session(world) as s, s.begin():
        with pytest.raises(IncentiveError) as e:
            fin.declare_need(
                s,
                subject_id="G1",
                amount_fen=amount,
                term_months=12,
                purpose="x",
                actor="t",
                idempotency_key="k",
            )
        assert e.value.field == "amount_fen" and e.value.zh and e.value.en
        assert s.scalar(select(func.count(Need.id))) == 4


def test_yuan_to_fen_refuses_fractions_of_a_fen():
    assert fin.parse_yuan("1500000.50") == 150_000_050
    assert fin.parse_yuan("3") == 300
    assert fin.parse_yuan("1000000000000") == fin.MAX_FEN  # 1 万亿元, the ceiling itself
    for bad in ("0.001", "-5", "abc", "NaN", "0", "1e999999", "1000000000000.01"):
        with pytest.raises(IncentiveError):
            fin.parse_yuan(bad)


def test_whitelist_rule_review_push_and_the_bank_view(world):
    with Session(world) as s, s.begin():
        officer = v(s, "xqoffice")
        with pytest.raises(IncentiveError) as e:
            fin.create_whitelist(
                s,
                whitelist_id="bad_rule",
                name="x",
                rule="grade.city_enterprise in [",
                as_of=AS_OF,
                actor=officer,
            )
        assert e.value.field == "rule" and "does not compile" in e.value.en
        with pytest.raises(IncentiveError) as e:
            fin.create_whitelist(
                s,
                whitelist_id="wl_hx",
                name="x",
                rule=GOOD_RULE,
                as_of=AS_OF,
                actor=officer,
                district_code="120103",
            )
        assert e.value.status == 403
        assert s.scalar(select(func.count(Whitelist.id))) == 0
        wl, proposed = fin.create_whitelist(
            s,
            whitelist_id="xq_2025",
            name="西青信易贷白名单",
            rule=GOOD_RULE,
            as_of=AS_OF,
            actor=officer,
            pilot="xiqing_industrial_chains",
        )
        assert proposed == ["G1", "G2"]  # BAD has two serious penalties (grade C/D); HX is another district
        fin.review(s, whitelist_id="xq_2025", subject_id="G1", approve=True, actor=officer)
        fin.review(s, whitelist_id="xq_2025", subject_id="G2", approve=False, actor=officer, note="资料不全")
        with pytest.raises(IncentiveError):  # not proposed: a manual addition needs a note
            fin.review(s, whitelist_id="xq_2025", subject_id="BAD", approve=True, actor=officer)
        with pytest.raises(IncentiveError) as e:  # another district's office does not see it
            fin.review(s, whitelist_id="xq_2025", subject_id="G1", approve=True, actor=v(s, "hxoffice"))
        assert e.value.status == 404
        assert fin.push(s, whitelist_id="xq_2025", bank_id="bocom", actor=officer) == ["G1"]
        assert fin.push(s, whitelist_id="xq_2025", bank_id="bocom", actor=officer) == []

        bocom, psbc = v(s, "bocom1"), v(s, "psbc1")
        assert [x["id"] for x in fin.bank_subjects(s, viewer=bocom)] == ["G1"]
        assert fin.bank_subjects(s, viewer=psbc) == []
        for who, sid in ((psbc, "G1"), (bocom, "G2"), (bocom, "NOPE")):
            with pytest.raises(IncentiveError) as e:
                fin.bank_subject_view(s, viewer=who, subject_id=sid, as_of=AS_OF)
            assert e.value.status == 404 and "subject not found" in e.value.en
        seen = fin.bank_subject_view(s, viewer=bocom, subject_id="G1", as_of=AS_OF)
        assert not seen["authorised"] and "G1c" not in {r["id"] for r in seen["records"]}
        fin.authorise_bank(
            s, subject_id="G1", bank_id="bocom", purpose="授信审查", days=30, actor=v(s, "g1login")
        )
        seen = fin.bank_subject_view(s, viewer=bocom, subject_id="G1", as_of=AS_OF)
        assert seen["authorised"] and "G1c" in {r["id"] for r in seen["records"]}
        assert s.scalar(select(func.count(AccessLog.id)).where(AccessLog.username == "bocom1")) == 2


def test_outcomes_bad_input_and_aggregates(world):
    with Session(world) as s, s.begin():
        officer = v(s, "xqoffice")
        fin.create_whitelist(s, whitelist_id="xq", name="x", rule=GOOD_RULE, as_of=AS_OF, actor=officer)
        for sid in ("G1", "G2"):
            fin.review(s, whitelist_id="xq", subject_id=sid, approve=True, actor=officer)
        fin.push(s, whitelist_id="xq", bank_id="bocom", actor=officer)
        bocom, psbc = v(s, "bocom1"), v(s, "psbc1")
        n1, n2 = (s.scalar(select(Need.id).where(Need.subject_id == x)) for x in ("G1", "G2"))
        bad = [
            (dict(viewer=bocom, need_id=99999, event="contacted"), "need_id"),
            (dict(viewer=psbc, need_id=n1, event="contacted"), "need_id"),  # not pushed to psbc
            (dict(viewer=bocom, need_id=n1, event="approved", amount_fen=-5, rate_bp=400), "amount_fen"),
            (dict(viewer=bocom, need_id=n1, event="approved", amount_fen=100.5, rate_bp=400), "amount_fen"),
            (dict(viewer=bocom, need_id=n1, event="approved", amount_fen=100, rate_bp=3.85), "rate_bp"),
            (dict(viewer=bocom, need_id=n1, event="rejected"), "reason"),
            (dict(viewer=bocom, need_id=n1, event="lost"), "event"),
        ]
        for kw, field in bad:
            with pytest.raises(IncentiveError) as e:
                fin.record_outcome(s, idempotency_key="x", **kw)
            assert e.value.field == field, kw
        assert s.scalar(select(func.count(Outcome.id))) == 0
        fin.record_outcome(s, viewer=bocom, need_id=n1, event="contacted", idempotency_key="o1")
        fin.record_outcome(
            s,
            viewer=bocom,
            need_id=n1,
            event="approved",
            amount_fen=450_000_000,
            rate_bp=385,
            idempotency_key="o2",
        )
        fin.record_outcome(
            s,
            viewer=bocom,
            need_id=n1,
            event="approved",
            amount_fen=450_000_000,
            rate_bp=385,
            idempotency_key="o2",
        )
        fin.record_outcome(
            s, viewer=bocom, need_id=n2, event="rejected", reason="经营年限不足", idempotency_key="o3"
        )
        figures = fin.pilot_figures(s, pilot="xiqing_industrial_chains")
    # by hand: needs G1, G2, BAD in the pilot; G1 and G2 contacted; one loan of 4.5 M CNY; two whitelisted
    assert figures["needs"] == 3 and figures["registrations"] == 3
    assert figures["needs_contacted"] == 2 and figures["coverage"] == pytest.approx(2 / 3)
    assert figures["loans"] == 1 and figures["granted_fen"] == 450_000_000
    assert figures["whitelist_size"] == 2 and figures["pushed"] == 2


def test_credit_village_collective_whitelist(engine):
    with Session(engine) as s, s.begin():
        add_subject(
            s,
            "V1",
            kind="village",
            district="120119",
            pilot="jizhou_homestays",
            attributes={"role": "credit_village"},
        )
        for sid in ("M1", "M2"):
            add_subject(
                s,
                sid,
                kind="individual_business",
                district="120119",
                pilot="jizhou_homestays",
                attributes={"role": "homestay"},
            )
            s.get(Subject, sid).parent_id = "V1"
        add_record(s, "m2j", "M2", "judgment_debtor", dt.date(2025, 1, 1))
        s.flush()
        need = fin.declare_need(
            s,
            subject_id="V1",
            amount_fen=2_000_000_000,
            term_months=36,
            purpose="西井峪村民宿集体授信",
            actor="t",
            idempotency_key="v",
            collective=True,
        )
        with pytest.raises(IncentiveError):
            fin.declare_need(
                s,
                subject_id="M1",
                amount_fen=1,
                term_months=1,
                purpose="x",
                actor="t",
                idempotency_key="w",
                collective=True,
            )
        _, proposed = fin.create_whitelist(
            s,
            whitelist_id="xijingyu",
            name="西井峪信用村",
            rule="!judgment_debtor",
            as_of=AS_OF,
            actor=OPERATOR,
            parent_id="V1",
        )
        collective = need.collective
    assert proposed == ["M1"] and collective
