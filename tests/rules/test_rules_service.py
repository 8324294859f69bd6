"""The rule service on SQLite and PostgreSQL: facts by hand, versions kept, single vs bulk agree."""

from __future__ import annotations

import datetime as dt

import pytest
from rules_world import AS_OF, build
from sqlalchemy import func, select

from xinyong.rules import RuleError, evaluate, evaluate_many, rule_history, save_rule, subject_facts
from xinyong.rules.facts import vocabulary
from xinyong.rules.models import RuleVersion
from xinyong.rules.service import SubjectNotFound, check_expression, facts_table
from xinyong.store.db import session_scope


@pytest.fixture
def world(engine):
    build(engine)
    return engine


def test_facts_by_hand(world):
    with session_scope(world) as s:
        f = subject_facts(s, subject_id="S1", as_of=AS_OF)
        assert f["kind"] == "enterprise" and f["district"] == "120101" and f["industry"] == "餐饮"
        assert f["pilots"] == ("heping_pilot",)
        # run2 (as of 2026-09-30) is the newest run by the date; run3 is after it.
        assert f["grade[city_enterprise]"] == "B" and f["score[city_enterprise]"] == 72.5
        assert f["grade[hexi_building]"] == "" and f["score[hexi_building]"] == -1.0
        # r1 serious 2025 counts; r2 was repaired on 2026-03-01 (no fact); r5 is serious judgment_debtor.
        assert f["records.penalty_serious_3y"] == 1
        assert f["records.negative_serious_3y"] == 2  # r1 + r5 (r5 occurred 2025-06-01)
        assert f["records.penalty_any_all"] == 2  # r1 + r3
        assert f["records.penalty_any_3y"] == 1  # r3 (2022-05-01) is outside 3 years from 2026-10-31
        assert f["records.penalty_any_5y"] == 2
        assert f["records.positive_any_1y"] == 1 and f["records.honour_any_all"] == 1
        assert f["records.any_any_all"] == 4
        # Before the repair took effect, r2 is still a fact.
        before = subject_facts(s, subject_id="S1", as_of=dt.date(2026, 2, 28))
        assert before["records.penalty_serious_3y"] == 2
        g = subject_facts(s, subject_id="S2", as_of=AS_OF)
        # r6 (2023-10-30) is one day before the 3-year window (2023-10-31); r7's publicity ended; r8 is later.
        assert g["records.penalty_serious_3y"] == 0 and g["records.penalty_serious_all"] == 1
        assert g["records.penalty_minor_all"] == 0
        assert g["grade[city_enterprise]"] == "A" and g["pilots"] == ()
        with pytest.raises(SubjectNotFound):
            subject_facts(s, subject_id="nobody", as_of=AS_OF)


def test_sql_counts_agree_with_the_policy_reference(world):
    counts = [k for k in vocabulary() if k.startswith("records.")]
    keys = [(k, None) for k in counts]
    for as_of in (dt.date(2026, 2, 28), AS_OF, dt.date(2027, 1, 1)):
        with session_scope(world) as s:
            table = facts_table(s, read_keys=keys, as_of=as_of).to_pylist()
            for row in table:
                ref = subject_facts(s, subject_id=row["subject_id"], as_of=as_of)
                assert {k: row[k] for k in counts} == {k: ref[k] for k in counts}, (row["subject_id"], as_of)


def test_versions_are_kept_and_decisions_name_them(world):
    with session_scope(world) as s:
        v1 = save_rule(
            s, rule_id="red.basic", expression="records.negative_any_3y == 0", actor="officer", reason="试行"
        )
        same = save_rule(
            s, rule_id="red.basic", expression="records.negative_any_3y == 0", actor="x", reason="again"
        )
        assert same.version == v1.version == 1
        v2 = save_rule(
            s,
            rule_id="red.basic",
            expression='records.negative_serious_3y == 0 && grade["city_enterprise"] in ["A", "B"]',
            actor="officer",
            reason="第二版",
        )
        assert v2.version == 2 and v2.facts == ["grade[city_enterprise]", "records.negative_serious_3y"]
    with session_scope(world) as s:
        assert [r.version for r in rule_history(s, "red.basic")] == [1, 2]
        d = evaluate(s, rule_id="red.basic", subject_id="S2", as_of=AS_OF)
        assert (d.result, d.rule_version) == (True, 2)
        assert d.facts == {"grade[city_enterprise]": "A", "records.negative_serious_3y": 0}
        old = evaluate(s, rule_id="red.basic", version=1, subject_id="S2", as_of=AS_OF)
        assert old.result is True and old.rule_version == 1
        assert evaluate(s, rule_id="red.basic", subject_id="S1", as_of=AS_OF).result is False


@pytest.mark.parametrize(
    ("kwargs", "en_part"),
    [
        ({"rule_id": "Bad Id", "expression": "true"}, "invalid rule id"),
        ({"rule_id": "ok", "expression": "true", "reason": " "}, "reason is required"),
        ({"rule_id": "ok", "expression": "unknown_fact > 1"}, "unknown fact"),
        ({"rule_id": "ok", "expression": "records.negative_any_3y"}, "must be boolean"),
        ({"rule_id": "ok", "expression": "kind == "}, "expected an expression"),
    ],
)
def test_refused_rules_write_nothing(world, kwargs, en_part):
    args = {"actor": "officer", "reason": "r", **kwargs}
    with session_scope(world) as s, pytest.raises(RuleError) as info:
        save_rule(s, **args)
    assert en_part in info.value.en
    with session_scope(world) as s:
        assert s.scalar(select(func.count()).select_from(RuleVersion)) == 0


EXPRESSIONS = [
    "records.negative_serious_3y > 0",
    'grade["city_enterprise"] in ["A", "B"] && records.penalty_serious_3y == 0',
    'score["city_enterprise"] >= 60.0 || "heping_pilot" in pilots',
    'kind == "enterprise" && district.startsWith("1201") && !(records.honour_any_all > 0)',
]


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_bulk_agrees_with_single_evaluation(world, expression):
    check_expression(expression)
    for as_of in (dt.date(2026, 2, 28), AS_OF):
        bulk = evaluate_many(world, expression=expression, as_of=as_of)
        assert set(bulk) == {"S1", "S2", "S3"}
        with session_scope(world) as s:
            single = {
                sid: evaluate(s, expression=expression, subject_id=sid, as_of=as_of).result for sid in bulk
            }
            assert bulk == single
            assert evaluate_many(s, expression=expression, as_of=as_of, subject_ids=["S2"]) == {
                "S2": single["S2"]
            }
