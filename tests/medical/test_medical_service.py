"""东丽 credit medical: sign-up by score band, charges within the line, statements, repayment and the
overdue steps — on SQLite and PostgreSQL. Figures are worked out by hand from scheme.yaml."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from medical_world import build
from sqlalchemy import select

from xinyong.books import service as books
from xinyong.books.service import AmountError, ConflictError
from xinyong.disclosure.policy import Viewer
from xinyong.medical import service as medical
from xinyong.medical.models import MedicalLine, MedicalLineEvent
from xinyong.medical.service import MedicalError
from xinyong.records.models import Record
from xinyong.store.db import session_scope

D = dt.date


def _own(subject_id: str) -> Viewer:
    return Viewer(role="subject", subject_id=subject_id)


def _signed(engine, world, n=0):  # noqa: ANN001, ANN202
    pid = world["people"][n]
    with session_scope(engine) as s:
        line = medical.sign_up(s, subject_id=pid, viewer=_own(pid), as_of=D(2026, 3, 1))
        return pid, line.line_fen


def test_bands_follow_the_scheme():
    # scheme.yaml: below 600 none; 600 → 500 CNY, 650 → 1,000, 700 → 2,000, 750+ → 3,000
    assert [medical.line_for_score(s) for s in (599, 600, 649, 650, 700, 749, 750, 1000)] == [
        None,
        50_000,
        50_000,
        100_000,
        200_000,
        200_000,
        300_000,
        300_000,
    ]


def test_sign_up_needs_the_person_and_a_sufficient_score(engine):
    world = build(engine)
    pid = world["people"][0]
    with session_scope(engine) as s, pytest.raises(MedicalError) as err:
        medical.sign_up(s, subject_id=pid, viewer=_own(world["people"][1]), as_of=D(2026, 3, 1))
    assert "授权" in err.value.zh
    pid, line = _signed(engine, world)
    assert line == 200_000  # a signed commitment: 海河分 715 (medical_world) → band 700 → 2,000 CNY


def test_charge_statement_repayment_free_of_interest(engine):
    world = build(engine)
    pid, _ = _signed(engine, world)
    h = world["hospital"]
    with session_scope(engine) as s:
        r1 = medical.charge(
            s,
            hospital_id=h,
            patient_id=pid,
            amount_fen=12_345,
            idempotency_key="v1",
            charged_on=D(2026, 3, 5),
            visit_no="MZ001",
        )
        again = medical.charge(
            s,
            hospital_id=h,
            patient_id=pid,
            amount_fen=12_345,
            idempotency_key="v1",
            charged_on=D(2026, 3, 5),
            visit_no="MZ001",
        )
        assert again.replayed and again.transaction_id == r1.transaction_id
        assert again.available_fen == 200_000 - 12_345
        with pytest.raises(ConflictError):
            medical.charge(
                s,
                hospital_id=h,
                patient_id=pid,
                amount_fen=12_346,
                idempotency_key="v1",
                charged_on=D(2026, 3, 5),
                visit_no="MZ001",
            )
        medical.charge(
            s, hospital_id=h, patient_id=pid, amount_fen=655, idempotency_key="v2", charged_on=D(2026, 3, 20)
        )
        medical.charge(
            s, hospital_id=h, patient_id=pid, amount_fen=1_000, idempotency_key="v3", charged_on=D(2026, 4, 2)
        )
    with session_scope(engine) as s:
        march = medical.statement(s, pid, "2026-03", as_of=D(2026, 4, 10))
        assert (march.charged_fen, march.due_on, march.status) == (13_000, D(2026, 4, 30), "open")
        medical.repay(s, patient_id=pid, amount_fen=13_000, idempotency_key="p1", paid_on=D(2026, 4, 28))
    with session_scope(engine) as s:
        sts = medical.statements(s, pid, as_of=D(2026, 5, 31))
        assert [(x.month, x.charged_fen, x.outstanding_fen, x.interest_fen, x.status) for x in sts] == [
            ("2026-03", 13_000, 0, 0, "paid"),
            ("2026-04", 1_000, 1_000, 0, "open"),  # due 2026-05-31, not yet overdue
        ]
        with pytest.raises(MedicalError):  # 1,000 owed; 1,001 is too much
            medical.repay(s, patient_id=pid, amount_fen=1_001, idempotency_key="p2", paid_on=D(2026, 5, 1))
        assert books.check(s)["unbalanced"] == 0


@pytest.mark.parametrize("amount", [-100, 0, 10.5, "12.5", None])
def test_bad_amounts_write_nothing(engine, amount):
    world = build(engine)
    pid, _ = _signed(engine, world)
    with session_scope(engine) as s, pytest.raises(AmountError):
        medical.charge(
            s,
            hospital_id=world["hospital"],
            patient_id=pid,
            amount_fen=amount,
            idempotency_key="x",
            charged_on=D(2026, 3, 5),
        )
    with session_scope(engine) as s:
        assert books.check(s)["transactions"] == 0


def test_over_the_line_and_unknown_hospital_are_refused(engine):
    world = build(engine)
    pid, line = _signed(engine, world)
    with session_scope(engine) as s:
        with pytest.raises(MedicalError) as err:
            medical.charge(
                s,
                hospital_id=world["hospital"],
                patient_id=pid,
                amount_fen=line + 1,
                idempotency_key="big",
                charged_on=D(2026, 3, 5),
            )
        assert "可用额度" in err.value.zh and err.value.field == "amount_fen"
        with pytest.raises(MedicalError):
            medical.charge(
                s,
                hospital_id=world["people"][1],
                patient_id=pid,
                amount_fen=10,
                idempotency_key="x",
                charged_on=D(2026, 3, 5),
            )
        assert books.balance(s, medical.line_code(pid)) == 0


def test_overdue_reminds_suspends_then_reports_once(engine):
    world = build(engine)
    pid, _ = _signed(engine, world)
    h = world["hospital"]
    with session_scope(engine) as s:
        medical.charge(
            s,
            hospital_id=h,
            patient_id=pid,
            amount_fen=30_000,
            idempotency_key="a",
            charged_on=D(2026, 3, 10),
        )
    # March is due 2026-04-30. Remind on +1 and +7, suspend on +15, report on +60 (2026-06-29).
    steps = {
        D(2026, 4, 30): {"reminded": 0, "suspended": 0, "reinstated": 0, "reported": 0},
        D(2026, 5, 1): {"reminded": 1, "suspended": 0, "reinstated": 0, "reported": 0},
        D(2026, 5, 7): {"reminded": 1, "suspended": 0, "reinstated": 0, "reported": 0},
        D(2026, 5, 15): {"reminded": 0, "suspended": 1, "reinstated": 0, "reported": 0},
        D(2026, 6, 28): {"reminded": 0, "suspended": 0, "reinstated": 0, "reported": 0},
        D(2026, 6, 29): {"reminded": 0, "suspended": 0, "reinstated": 0, "reported": 1},
        D(2026, 7, 5): {"reminded": 0, "suspended": 0, "reinstated": 0, "reported": 0},
    }
    for day, expected in steps.items():
        assert medical.process_overdue(engine, as_of=day) == expected, day
    with session_scope(engine) as s:
        with pytest.raises(MedicalError) as err:  # suspended: no new charge
            medical.charge(
                s, hospital_id=h, patient_id=pid, amount_fen=10, idempotency_key="b", charged_on=D(2026, 7, 5)
            )
        assert "暂停" in err.value.zh
        # the retry of the charge made before suspension still answers its first result
        assert medical.charge(
            s,
            hospital_id=h,
            patient_id=pid,
            amount_fen=30_000,
            idempotency_key="a",
            charged_on=D(2026, 3, 10),
        ).replayed
        records = s.scalars(select(Record).where(Record.subject_id == pid, Record.kind != "commitment")).all()
        assert [(r.kind, r.polarity, r.amount) for r in records] == [
            ("medical_credit_default", "negative", 300.0)
        ]
        events = s.scalars(select(MedicalLineEvent.event).order_by(MedicalLineEvent.id)).all()
        assert events == ["signed_up", "reminded", "reminded", "suspended", "reported"]
        medical.repay(s, patient_id=pid, amount_fen=30_000, idempotency_key="late", paid_on=D(2026, 7, 6))
    assert medical.process_overdue(engine, as_of=D(2026, 7, 6))["reinstated"] == 1
    with session_scope(engine) as s:
        assert s.scalar(select(MedicalLine.status)) == "active"


def test_parallel_charges_never_exceed_the_line_nor_apply_twice(engine):
    world = build(engine)
    pid, line = _signed(engine, world)  # 200,000 fen
    h = world["hospital"]

    def send(i: int) -> str:
        key = f"visit-{i % 10}"  # 10 distinct visits, each retried 3 times in parallel

        def work(s):  # noqa: ANN001, ANN202
            return medical.charge(
                s,
                hospital_id=h,
                patient_id=pid,
                amount_fen=30_000,
                idempotency_key=key,
                charged_on=D(2026, 3, 5),
            )

        try:
            return "replay" if books.run(engine, work).replayed else "ok"
        except MedicalError:
            return "refused"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(send, range(30)))
    # 200,000 / 30,000 → 6 distinct visits fit; the 4 others are refused on every try
    assert outcomes.count("ok") == 6
    with session_scope(engine) as s:
        assert books.balance(s, medical.line_code(pid)) == -180_000
        assert books.check(s) == {
            "transactions": 6,
            "unbalanced": 0,
            "below_floor": 0,
            "mismatched_balances": 0,
        }
