"""Steps after signing (kept, breached, expired, withdrawn), their records through the ingest
service, and the public card."""

from __future__ import annotations

import datetime as dt

import pytest
from commitments_world import T0, add_subjects, sign
from sqlalchemy import func, select

from xinyong.commitments import service
from xinyong.commitments.models import CommitmentEvent
from xinyong.commitments.publish import publish
from xinyong.ledger.service import tree_size
from xinyong.public.service import build_card
from xinyong.records.models import Record
from xinyong.store.db import session_scope

LATER = dt.datetime(2026, 6, 1, 4, 0)  # "now" for steps in these tests
REFUSE_NOW = dt.datetime(2027, 6, 1, 4, 0)  # after the term of a commitment signed on T0


def _step(engine, cid: str, event: str, on: dt.date, now: dt.datetime = LATER, reason: str = "核查") -> None:
    with session_scope(engine) as s:
        service.record_step(
            s,
            commitment_id=cid,
            event=event,
            actor="和平区诚信办 张三",
            reason=reason,
            effective_on=on,
            now=now,
        )


def _records(engine, sid: str) -> dict[str, Record]:
    with session_scope(engine) as s:
        return {r.kind: r for r in s.scalars(select(Record).where(Record.subject_id == sid))}


def test_breach_becomes_a_negative_record_on_the_card(engine):
    world = add_subjects(engine)
    sid = world["heping"][0]
    cid = sign(engine, sid)
    publish(engine, as_of=dt.date(2026, 1, 5), now=T0)
    with engine.connect() as conn:
        card = build_card(conn, subject_id=sid, as_of=dt.date(2026, 2, 1))
    assert [r.kind for r in card.positive] == ["commitment"] and card.negative == []
    assert "入驻商家诚信经营承诺书" in card.positive[0].headline + card.positive[0].detail

    _step(engine, cid, "breached", dt.date(2026, 5, 20), reason="销售假冒商品，经市场监管部门查实")
    out = publish(engine, as_of=dt.date(2026, 6, 1), now=LATER)
    assert out["commitment"]["corrected"] == 1 and out["commitment_breach"]["accepted"] == 1
    records = _records(engine, sid)
    breach = records["commitment_breach"]
    assert (breach.polarity, breach.source, breach.source_record_id) == (
        "negative",
        "commitments",
        f"WN-{cid}",
    )
    assert breach.occurred_on == dt.date(2026, 5, 20)
    # general severity: publicised 1 year from the breach (catalogue/kinds/commitment_breach.yaml)
    assert breach.publicity_until in (dt.date(2027, 5, 20), dt.date(2027, 5, 19))
    assert records["commitment"].fields["status"] == "breached"
    with engine.connect() as conn:
        card = build_card(conn, subject_id=sid, as_of=dt.date(2026, 6, 1))
    assert [r.kind for r in card.negative] == ["commitment_breach"]
    assert "销售假冒商品" in card.negative[0].headline + card.negative[0].detail
    # Publishing again changes nothing (duplicates).
    again = publish(engine, as_of=dt.date(2026, 6, 1), now=LATER)
    assert again["commitment"]["duplicates"] == 1 and again["commitment_breach"]["duplicates"] == 1
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(Record)) == 2


def test_withdrawn_commitment_leaves_the_card_after_the_day(engine):
    world = add_subjects(engine)
    sid = world["heping"][1]
    cid = sign(engine, sid)
    _step(engine, cid, "withdrawn", dt.date(2026, 3, 1), reason="商户撤场")
    publish(engine, as_of=dt.date(2026, 6, 1), now=LATER)
    assert _records(engine, sid)["commitment"].fields["status"] == "withdrawn"
    with engine.connect() as conn:
        assert [r.kind for r in build_card(conn, subject_id=sid, as_of=dt.date(2026, 3, 1)).positive] == [
            "commitment"
        ]
        assert build_card(conn, subject_id=sid, as_of=dt.date(2026, 3, 2)).positive == []


def test_kept_after_expiry_appends_the_expiry_first(engine):
    world = add_subjects(engine)
    cid = sign(engine, world["heping"][2])  # in force 2026-01-05 .. 2027-01-04
    _step(engine, cid, "kept", dt.date(2027, 1, 20), now=dt.datetime(2027, 2, 1, 4))
    with session_scope(engine) as s:
        assert [e.event for e in service.history(s, commitment_id=cid)] == [
            "signed",
            "in_force",
            "expired",
            "kept",
        ]
        expired = service.history(s, commitment_id=cid)[2]
        assert expired.effective_on == dt.date(2027, 1, 5)
        assert service.state_of(s, commitment_id=cid, as_of=dt.date(2027, 1, 10)) == "expired"
        assert service.state_of(s, commitment_id=cid, as_of=dt.date(2027, 1, 20)) == "kept"


@pytest.mark.parametrize(
    ("steps", "event", "on", "needle"),
    [
        ([("withdrawn", dt.date(2026, 2, 1))], "breached", dt.date(2026, 3, 1), "withdrawn cannot"),
        ([("kept", dt.date(2026, 2, 1))], "breached", dt.date(2026, 3, 1), "kept cannot"),
        ([], "breached", dt.date(2027, 3, 1), "outside the commitment's term"),
        ([], "expired", dt.date(2026, 3, 1), "does not expire before"),
        (
            [("kept", dt.date(2026, 4, 1))],
            "withdrawn",
            dt.date(2026, 3, 1),
            "before the commitment's last step",
        ),
        ([], "signed", dt.date(2026, 3, 1), "unknown commitment step"),
        ([], "breached", dt.date(2027, 7, 1), "in the future"),
    ],
)
def test_refused_steps_write_nothing(engine, steps, event, on, needle):
    world = add_subjects(engine)
    cid = sign(engine, world["heping"][0])
    for ev, day in steps:
        _step(engine, cid, ev, day)
    with session_scope(engine) as s:
        before, size = s.scalar(select(func.count()).select_from(CommitmentEvent)), tree_size(s)
    with session_scope(engine) as s, pytest.raises(service.CommitmentError, match=needle):
        service.record_step(
            s, commitment_id=cid, event=event, actor="x", reason="r", effective_on=on, now=REFUSE_NOW
        )
    with session_scope(engine) as s:
        assert (s.scalar(select(func.count()).select_from(CommitmentEvent)), tree_size(s)) == (before, size)


def test_unknown_commitment_and_empty_reason(engine):
    world = add_subjects(engine)
    cid = sign(engine, world["heping"][0])
    with session_scope(engine) as s:
        with pytest.raises(service.CommitmentNotFound):
            service.record_step(
                s,
                commitment_id="CMNOPE",
                event="kept",
                actor="x",
                reason="r",
                effective_on=dt.date(2026, 2, 1),
                now=LATER,
            )
        with pytest.raises(service.CommitmentError, match="reason is required"):
            service.record_step(
                s,
                commitment_id=cid,
                event="kept",
                actor="x",
                reason=" ",
                effective_on=dt.date(2026, 2, 1),
                now=LATER,
            )


def test_expire_due_is_idempotent(engine):
    world = add_subjects(engine)
    a = sign(engine, world["heping"][0])
    b = sign(engine, world["heping"][1])
    _step(engine, b, "kept", dt.date(2026, 5, 1))
    as_of = dt.date(2027, 2, 1)
    with session_scope(engine) as s:
        assert service.expire_due(s, as_of=as_of, now=dt.datetime(2027, 2, 1)) == [a]
    with session_scope(engine) as s:
        assert service.expire_due(s, as_of=as_of, now=dt.datetime(2027, 2, 1)) == []
        assert service.states(s, commitment_ids=[a, b], as_of=as_of) == {a: "expired", b: "kept"}


def test_steps_are_emitted_to_the_outbox(engine):
    from xinyong.notify.models import OutboxEvent

    world = add_subjects(engine)
    cid = sign(engine, world["heping"][0])
    _step(engine, cid, "breached", dt.date(2026, 5, 20), reason="虚假宣传")
    with session_scope(engine) as s:
        rows = s.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()
        assert [r.kind for r in rows] == ["commitment.signed", "commitment.breached"]
        assert rows[1].subject_id == world["heping"][0] and rows[1].payload["commitment_id"] == cid
        assert rows[1].district_code == "120101"
