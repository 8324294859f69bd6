"""emit: the outbox row commits or rolls back with the caller's transaction; dedup_key makes a
second emit a no-op; malformed events are refused and write nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from xinyong.notify import emit
from xinyong.notify.models import OutboxEvent
from xinyong.notify.outbox import EmitError
from xinyong.store.db import session_scope


def _count(engine) -> int:  # noqa: ANN001
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(OutboxEvent))


def test_emit_commits_with_the_caller(engine):
    with session_scope(engine) as s:
        emit(
            s,
            kind="test.hello",
            payload={"n": 1},
            subject_id="S1",
            district_code="120101",
            user_ids=[3, 3, 2],
        )
    with session_scope(engine) as s:
        row = s.scalars(select(OutboxEvent)).one()
    assert (row.kind, row.payload, row.subject_id, row.district_code) == (
        "test.hello",
        {"n": 1},
        "S1",
        "120101",
    )
    assert row.user_ids == [2, 3] and row.status == "pending"


def test_emit_rolls_back_with_the_caller(engine):
    with pytest.raises(RuntimeError), session_scope(engine) as s:
        emit(s, kind="test.hello", payload={})
        raise RuntimeError("the change that caused the event failed")
    assert _count(engine) == 0


def test_second_emit_with_same_dedup_key_is_a_no_op(engine):
    for _ in range(2):
        with session_scope(engine) as s:
            emit(s, kind="test.a", payload={"v": 1}, dedup_key="k1")
            emit(s, kind="test.a", payload={"v": 2}, dedup_key="k1")
    with session_scope(engine) as s:
        emit(s, kind="test.a", payload={}, dedup_key="k2")
        emit(s, kind="test.a", payload={})
        emit(s, kind="test.a", payload={})  # no key: two events
    assert _count(engine) == 4
    with session_scope(engine) as s:
        first = s.scalars(select(OutboxEvent).where(OutboxEvent.dedup_key == "k1")).one()
    assert first.payload == {"v": 1}


def test_emit_within_a_core_connection(engine):
    with engine.begin() as conn:
        emit(conn, kind="ingest.batch", payload={"batch": 7})
    assert _count(engine) == 1


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"kind": "", "payload": {}}, "kind"),
        ({"kind": "x" * 65, "payload": {}}, "kind"),
        ({"kind": "a", "payload": []}, "payload"),
        ({"kind": "a", "payload": {"x": object()}}, "JSON"),
        ({"kind": "a", "payload": {}, "dedup_key": "k" * 201}, "dedup_key"),
    ],
)
def test_bad_events_are_refused_and_nothing_is_written(engine, kwargs, word):
    with pytest.raises(EmitError) as err, session_scope(engine) as s:
        emit(s, **kwargs)
    assert word in err.value.en and err.value.zh
    assert _count(engine) == 0
