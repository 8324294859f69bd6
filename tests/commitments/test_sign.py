"""sign(): idempotent signatures, refusals with nothing written, events and ledger leaves."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from commitments_world import T0, add_subjects, sign_online
from sqlalchemy import func, select

from xinyong.commitments import service
from xinyong.commitments.models import Commitment, CommitmentEvent
from xinyong.ledger.service import read_leaves, tree_size
from xinyong.store.db import session_scope


def _count(engine, model) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(model))


def test_sign_writes_signed_and_in_force_with_leaves(engine):
    world = add_subjects(engine)
    with session_scope(engine) as s:
        size = tree_size(s)
        c = service.sign(
            s,
            template_id="heping_honest_merchant",
            subject_id=world["heping"][0],
            actor="商户账号 m1",
            channel="online",
            idempotency_key="k-1",
            now=T0,
        )
        events = service.history(s, commitment_id=c.id)
        assert [(e.event, e.state, e.effective_on) for e in events] == [
            ("signed", "signed", dt.date(2026, 1, 5)),
            ("in_force", "in_force", dt.date(2026, 1, 5)),
        ]
        # 12 months from 2026-01-05 inclusive ends on 2027-01-04 (counted by hand).
        assert c.valid_until == dt.date(2027, 1, 4)
        assert tree_size(s) == size + 2
        leaves = list(read_leaves(s, range(size, size + 2)).values())
        assert len(leaves) == 2
        assert all(leaf.event_type == "commitment.event" for leaf in leaves)
        data = [json.loads(leaf.data) for leaf in leaves]
        assert [(d["commitment_id"], d["event"], d["subject_id"]) for d in data] == [
            (c.id, "signed", world["heping"][0]),
            (c.id, "in_force", world["heping"][0]),
        ]
        assert "record_id" not in data[0]  # not a record: `ledger verify` must not look for it in records
        assert [e.leaf_index for e in events] == [size, size + 1] and c.leaf_index == size
        assert "依法诚信经营" in c.text and "违诺后果" in c.text


def test_second_signature_is_idempotent(engine):
    world = add_subjects(engine)
    sid = world["heping"][0]
    kw = dict(template_id="heping_honest_merchant", subject_id=sid, actor="m1", channel="online")
    with session_scope(engine) as s:
        first = service.sign(s, idempotency_key="k-1", now=T0, **kw).id
    # Same key, then same subject + template + year with another key and another day: same commitment.
    with session_scope(engine) as s:
        assert service.sign(s, idempotency_key="k-1", now=T0, **kw).id == first
        later = T0 + dt.timedelta(days=40)
        assert service.sign(s, idempotency_key="k-2", now=later, **kw).id == first
        assert service.sign(s, idempotency_key=None, now=later, **kw).id == first
    assert _count(engine, Commitment) == 1
    assert _count(engine, CommitmentEvent) == 2
    # The next calendar year is a new period: a new commitment.
    with session_scope(engine) as s:
        nxt = service.sign(s, idempotency_key=None, now=dt.datetime(2027, 1, 10, 3), **kw)
        assert nxt.id != first
    assert _count(engine, Commitment) == 2


@pytest.mark.parametrize(
    ("kw", "needle"),
    [
        ({"template_id": "nope"}, "unknown commitment template"),
        ({"channel": "fax"}, "channel"),
        ({"actor": "  "}, "actor is required"),
        ({"template_id": "jinghai_market_merchant"}, "only for subjects of pilot"),
        ({"template_id": "binhai_preservation_applicant", "channel": "online"}, "paper only"),
        ({"subject_id": "nobody"}, "subject not found"),
        ({"signed_on": dt.date(2026, 2, 1), "channel": "paper"}, "in the future"),
    ],
)
def test_refusals_write_nothing(engine, kw, needle):
    world = add_subjects(engine)
    args = dict(
        template_id="heping_honest_merchant",
        subject_id=world["heping"][0],
        actor="m1",
        channel="online",
        idempotency_key="k",
        now=T0,
    )
    args.update(kw)
    with session_scope(engine) as s:
        size = tree_size(s)
        with pytest.raises(service.CommitmentError, match=needle):
            service.sign(s, **args)
        assert tree_size(s) == size
    assert _count(engine, Commitment) == 0


def test_key_reused_for_another_subject_is_refused(engine):
    world = add_subjects(engine)
    kw = dict(
        template_id="heping_honest_merchant", actor="m1", channel="online", idempotency_key="same", now=T0
    )
    with session_scope(engine) as s:
        service.sign(s, subject_id=world["heping"][0], **kw)
    with session_scope(engine) as s, pytest.raises(service.CommitmentError, match="another commitment"):
        service.sign(s, subject_id=world["heping"][1], **kw)


def test_paper_signature_keeps_its_date_and_reference(engine):
    world = add_subjects(engine)
    with session_scope(engine) as s:
        c = service.sign(
            s,
            template_id="jinghai_market_merchant",
            subject_id=world["jinghai"][0],
            actor="经办人 王五",
            channel="paper",
            idempotency_key=None,
            now=T0,
            signed_on=dt.date(2025, 12, 20),
            paper_ref="JH-2025-0001",
        )
        assert (c.channel, c.signed_on, c.paper_ref, c.period_key) == (
            "paper",
            dt.date(2025, 12, 20),
            "JH-2025-0001",
            "2025",
        )
        assert service.state_of(s, commitment_id=c.id, as_of=dt.date(2025, 12, 19)) is None
        assert service.state_of(s, commitment_id=c.id, as_of=dt.date(2025, 12, 20)) == "in_force"
        # 12 months from 2025-12-20: last day 2026-12-19, expired from 2026-12-20 (derived, no event).
        assert service.state_of(s, commitment_id=c.id, as_of=dt.date(2026, 12, 19)) == "in_force"
        assert service.state_of(s, commitment_id=c.id, as_of=dt.date(2026, 12, 20)) == "expired"


def test_credit_repair_template_signs_once_per_key(engine):
    world = add_subjects(engine)
    sid = world["other"][0]
    kw = dict(template_id="credit_repair", subject_id=sid, actor="申请人", channel="online", now=T0)
    with session_scope(engine) as s:
        a = service.sign(s, idempotency_key="repair:APP-1", **kw)
        b = service.sign(s, idempotency_key="repair:APP-2", **kw)
        assert a.id != b.id and a.type == b.type == "credit_repair"
        assert service.sign(s, idempotency_key="repair:APP-1", **kw).id == a.id


def test_batched_ledger_gives_every_event_its_leaf(engine):
    """The demo's batch mode: same leaves (one per event, in order), indexes filled in at the end,
    and the whole log verifies."""
    from xinyong.ledger.service import verify_store

    world = add_subjects(engine)
    with session_scope(engine) as s:
        size = tree_size(s)
        with service.batched_ledger(s):
            ids = [sign_online(s, sid).id for sid in world["heping"]]
            assert tree_size(s) == size  # nothing appended yet
        assert tree_size(s) == size + 2 * len(ids)
        events = s.scalars(select(CommitmentEvent).order_by(CommitmentEvent.id)).all()
        assert [e.leaf_index for e in events] == list(range(size, size + 2 * len(ids)))
        leaves = read_leaves(s, [e.leaf_index for e in events])
        assert [json.loads(leaves[e.leaf_index].data)["commitment_id"] for e in events] == [
            cid for cid in ids for _ in (0, 1)
        ]
        assert [s.get(Commitment, cid).leaf_index for cid in ids] == list(range(size, size + 2 * len(ids), 2))
    from xinyong.commitments.publish import publish

    publish(engine, as_of=dt.date(2026, 1, 5), now=T0)
    with session_scope(engine) as s:
        report = verify_store(s)
        assert report["ok"], {k: v for k, v in report.items() if v and k not in ("ok", "tree_size")}
