"""Status events: the service against a hand-written state machine (hypothesis), refusals that
change nothing, and the ledger leaf of every accepted event — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from status_world import OCCURRED, add_record, add_subject

from xinyong.disclosure.policy import ERASED_STATUSES, WITHDRAWN_STATUSES
from xinyong.ledger.service import read_leaves, tree_size
from xinyong.status import service
from xinyong.status.models import EVENTS, STATUSES, TRANSITIONS, StatusEvent
from xinyong.store.db import session_scope


class HandMachine:
    """The rules of docs/status.md written out as plain branches (not the TRANSITIONS table)."""

    def __init__(self, polarity: str) -> None:
        self.polarity = polarity
        self.status = "active"

    def apply(self, event: str) -> bool:
        s = self.status
        if event == "erased":
            ok, nxt = s != "erased", "erased"
        elif event == "revoked":
            ok, nxt = s in ("active", "objection", "repaired", "upheld"), "revoked"
        elif event == "repaired":
            ok, nxt = s == "active" and self.polarity == "negative", "repaired"
        elif event == "objection_opened":
            ok, nxt = s == "active", "objection"
        elif event == "objection_upheld":
            ok, nxt = s == "objection", "upheld"
        elif event == "objection_rejected":
            ok, nxt = s == "objection", "active"
        else:
            ok, nxt = False, s
        if ok:
            self.status = nxt
        return ok


def hand_status_as_of(accepted: list[tuple[str, dt.date]], polarity: str, as_of: dt.date) -> str:
    m = HandMachine(polarity)
    for event, day in accepted:
        if day <= as_of:
            assert m.apply(event)
    return m.status


def test_transition_table_equals_the_hand_machine():
    for status, event in itertools.product(STATUSES, EVENTS):
        m = HandMachine("negative")
        m.status = status
        ok = m.apply(event)
        assert ((status, event) in TRANSITIONS) is ok, (status, event)
        if ok:
            assert TRANSITIONS[(status, event)] == m.status


def test_withdrawn_and_erased_are_absorbing():
    """What lets the policy's SQL be a NOT EXISTS over events: once withdrawn (or erased), every
    reachable status is withdrawn (erased) too."""
    for (before, _event), after in TRANSITIONS.items():
        if before in WITHDRAWN_STATUSES:
            assert after in WITHDRAWN_STATUSES
        if before in ERASED_STATUSES:
            assert after in ERASED_STATUSES
    assert not any(b == "erased" for b, _ in TRANSITIONS)


steps = st.lists(st.tuples(st.sampled_from(sorted(EVENTS)), st.integers(-3, 5)), max_size=8)


@given(steps=steps, polarity=st.sampled_from(["negative", "positive"]), probe=st.integers(-5, 40))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_service_follows_the_hand_machine(engine, steps, polarity, probe):
    """Random attempts through change_status: accepted exactly when the hand machine (and the date
    rules) allow; a refusal writes nothing (no event, no leaf); the status as of any date is the hand
    machine replayed over the accepted events effective by then."""
    test_service_follows_the_hand_machine.n = getattr(test_service_follows_the_hand_machine, "n", 0) + 1
    sid = f"H{test_service_follows_the_hand_machine.n}-{engine.dialect.name[:2]}"
    add_subject(engine, sid)
    rid = add_record(engine, f"R{sid}", subject_id=sid, polarity=polarity)
    machine = HandMachine(polarity)
    accepted: list[tuple[str, dt.date]] = []
    day = OCCURRED
    for event, delta in steps:
        effective = day + dt.timedelta(days=delta)
        date_ok = effective >= OCCURRED and (not accepted or effective >= accepted[-1][1])
        probe_machine = HandMachine(polarity)
        probe_machine.status = machine.status
        allowed = date_ok and probe_machine.apply(event)
        with session_scope(engine) as s:
            size = tree_size(s)
            try:
                row = service.change_status(
                    s, record_id=rid, event=event, actor="officer", reason="test", effective_on=effective
                )
            except service.StatusError:
                row = None
        with session_scope(engine) as s:
            n_events = s.scalar(
                select(func.count()).select_from(StatusEvent).where(StatusEvent.record_id == rid)
            )
            new_size = tree_size(s)
        if allowed:
            assert row is not None, (machine.status, event, effective)
            machine.apply(event)
            accepted.append((event, effective))
            day = effective
            assert new_size == size + 1
        else:
            assert row is None, (machine.status, event, effective)
            assert new_size == size
        assert n_events == len(accepted)
    as_of = OCCURRED + dt.timedelta(days=probe)
    with session_scope(engine) as s:
        assert service.status_of(s, record_id=rid, as_of=as_of) == hand_status_as_of(
            accepted, polarity, as_of
        )
        assert service.statuses(s, record_ids=[rid], as_of=as_of)[rid] == hand_status_as_of(
            accepted, polarity, as_of
        )


@given(events=st.lists(st.sampled_from(sorted(EVENTS)), max_size=10), probe=st.integers(0, 12))
def test_derive_status_is_the_hand_machine_over_any_valid_prefix(events, probe):
    m = HandMachine("negative")
    valid = []
    for i, e in enumerate(events):
        if m.apply(e):
            valid.append((e, OCCURRED + dt.timedelta(days=i)))
    as_of = OCCURRED + dt.timedelta(days=probe)
    assert service.derive_status(valid, as_of) == hand_status_as_of(valid, "negative", as_of)


def test_each_event_is_a_ledger_leaf(engine):
    add_subject(engine)
    rid = add_record(engine, "R-LEAF")
    with session_scope(engine) as s:
        row = service.change_status(
            s,
            record_id=rid,
            event="objection_opened",
            actor="和平区诚信办",
            reason="当事人提出异议",
            effective_on=dt.date(2025, 2, 1),
        )
        index = row.leaf_index
    with session_scope(engine) as s:
        leaf = read_leaves(s, [index])[index]
        stored = s.scalars(select(StatusEvent)).one()
    assert (leaf.event_type, leaf.record_id) == ("record.status", rid)
    assert b'"event":"objection_opened"' in leaf.data and b'"status":"objection"' in leaf.data
    assert b"2025-02-01" in leaf.data
    assert (stored.event, stored.status, stored.actor, stored.reason) == (
        "objection_opened",
        "objection",
        "和平区诚信办",
        "当事人提出异议",
    )


@pytest.mark.parametrize(
    ("polarity", "before", "event", "effective", "message"),
    [
        ("positive", [], "repaired", dt.date(2025, 2, 1), "不是失信记录"),  # repairing a positive record
        ("negative", [], "objection_upheld", dt.date(2025, 2, 1), "cannot apply objection upheld"),
        (
            "negative",
            [("objection_opened", dt.date(2025, 2, 1)), ("objection_rejected", dt.date(2025, 2, 2))],
            "objection_rejected",
            dt.date(2025, 2, 3),
            "不能「异议不成立」",
        ),
        ("negative", [("erased", dt.date(2025, 2, 1))], "revoked", dt.date(2025, 2, 2), "erased"),
        (
            "negative",
            [("repaired", dt.date(2025, 3, 1))],
            "revoked",
            dt.date(2025, 2, 1),
            "last status event",
        ),
        ("negative", [], "repaired", dt.date(2025, 1, 9), "before the record's date"),
        ("negative", [], "forgiven", dt.date(2025, 2, 1), "unknown status event"),
    ],
)
def test_transitions_that_make_no_sense_are_refused_and_change_nothing(
    engine, polarity, before, event, effective, message
):
    add_subject(engine)
    rid = add_record(engine, "R-BAD", polarity=polarity)
    with session_scope(engine) as s:
        for e, d in before:
            service.change_status(s, record_id=rid, event=e, actor="a", reason="r", effective_on=d)
    with session_scope(engine) as s:
        size, n = tree_size(s), s.scalar(select(func.count()).select_from(StatusEvent))
    with session_scope(engine) as s, pytest.raises(service.StatusError, match=message) as info:
        service.change_status(s, record_id=rid, event=event, actor="a", reason="r", effective_on=effective)
    assert " / " in str(info.value)  # Chinese / English
    with session_scope(engine) as s:
        assert (tree_size(s), s.scalar(select(func.count()).select_from(StatusEvent))) == (size, n)


def test_unknown_record_and_missing_reason(engine):
    with session_scope(engine) as s, pytest.raises(service.RecordNotFound, match="NO-SUCH"):
        service.change_status(
            s, record_id="NO-SUCH", event="repaired", actor="a", reason="r", effective_on=dt.date(2025, 2, 1)
        )
    add_subject(engine)
    rid = add_record(engine, "R-1")
    with session_scope(engine) as s, pytest.raises(service.StatusError, match="reason is required"):
        service.change_status(
            s, record_id=rid, event="repaired", actor="a", reason="  ", effective_on=dt.date(2025, 2, 1)
        )
    with session_scope(engine) as s, pytest.raises(service.RecordNotFound):
        service.status_of(s, record_id="NO-SUCH", as_of=dt.date(2025, 2, 1))
