"""commitments.open / commitments.breached as rule facts (xinyong.rules FACT_PROVIDERS)."""

from __future__ import annotations

import datetime as dt

from commitments_world import add_subjects, sign_online

from xinyong.commitments import facts, service
from xinyong.rules.service import check_expression, evaluate, evaluate_many
from xinyong.store.db import session_scope


def test_facts_as_of_a_date(engine):
    world = add_subjects(engine)
    a, b, c = world["heping"]
    with session_scope(engine) as s:
        ca = sign_online(s, a).id
        sign_online(s, b)
        sign_online(s, b, "tolerant_acceptance", key="ta-1")
    with session_scope(engine) as s:
        service.record_step(
            s,
            commitment_id=ca,
            event="breached",
            actor="o",
            reason="违诺",
            effective_on=dt.date(2026, 3, 1),
            now=dt.datetime(2026, 4, 1),
        )
    with session_scope(engine) as s:
        # Before the breach: a open 1; after it: a breached 1. b: two open until the 2-month
        # tolerant-acceptance term ends (2026-03-04), then one.
        assert facts.provide(s, subject_ids=[a, b, c], as_of=dt.date(2026, 2, 1)) == {
            a: {"commitments.open": 1, "commitments.breached": 0},
            b: {"commitments.open": 2, "commitments.breached": 0},
        }
        assert facts.provide(s, subject_ids=None, as_of=dt.date(2026, 3, 5)) == {
            a: {"commitments.open": 0, "commitments.breached": 1},
            b: {"commitments.open": 1, "commitments.breached": 0},
        }
        assert facts.provide(s, subject_ids=[a], as_of=dt.date(2026, 1, 4)) == {}
        check_expression("commitments.breached > 0 || commitments.open == 0")
        rule = "commitments.breached == 0 && commitments.open >= 1"
        assert evaluate(s, expression=rule, subject_id=b, as_of=dt.date(2026, 3, 5)).result is True
        assert evaluate(s, expression=rule, subject_id=a, as_of=dt.date(2026, 3, 5)).result is False
        assert evaluate(s, expression=rule, subject_id=a, as_of=dt.date(2026, 2, 1)).result is True
    many = evaluate_many(engine, expression=rule, as_of=dt.date(2026, 3, 5), subject_ids=[a, b, c])
    assert many == {a: False, b: True, c: False}
