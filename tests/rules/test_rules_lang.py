"""The rule language without a store: refusals name the right position (counted by hand), and the
vectorised DuckDB translation agrees with the reference CEL evaluator on random expressions over
random facts (hypothesis)."""

from __future__ import annotations

import functools

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinyong.rules import RuleError, check_expression
from xinyong.rules.service import evaluate_table

# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("expression", "position", "en_part"),
    [
        ("foo > 1", (1, 1), "unknown fact 'foo'"),
        ('kind == "a" && recordz.x == 1', (1, 16), "unknown fact 'recordz'"),
        ("records.nope_any_3y > 0", (1, 8), "unknown fact 'records.nope_any_3y'"),
        ('grade["no_such_model"] == "A"', (1, 6), "has no key 'no_such_model'"),
        ("kind", (1, 1), "must be boolean"),
        ("records.negative_any_3y + 1", (1, 25), "must be boolean"),
        ("kind == 1", (1, 6), "cannot compare string with int"),
        ("kind &&", (1, 8), "expected an expression"),
        ("(kind == 'a'", (1, 13), "expected ')'"),
        ("kind == 'a'\n  && district ==", (2, 17), "expected an expression"),
        ("records.negative_any_3y / 2 > 1", (1, 25), "no division"),
        ("kind == null", (1, 9), "'null' is not supported"),
        ("size(kind) > 0", (1, 1), "lists only"),
        ("matches(kind, 'a')", (1, 1), "function matches() is not supported"),
        ("pilots.exists(kind, kind == 'x')", (1, 15), "shadows a fact"),
        ('"a" in pilots && 1 in pilots', (1, 20), "int in list<string> is undefined"),
        ("", (1, 1), "empty expression"),
    ],
)
def test_refusals_name_the_position(expression, position, en_part):
    with pytest.raises(RuleError) as info:
        check_expression(expression)
    err = info.value
    assert err.position == position, (err.position, str(err))
    assert en_part in err.en
    assert err.zh and err.zh != err.en
    assert f"line {position[0]} col {position[1]}" in str(err)


def test_an_accepted_rule_lists_the_facts_it_reads():
    rule = check_expression(
        'kind == "enterprise" && records.negative_serious_3y == 0 && grade["city_enterprise"] in ["A", "B"]'
    )
    assert rule.reads == ["grade[city_enterprise]", "kind", "records.negative_serious_3y"]
    facts = {"grade[city_enterprise]": "B", "kind": "enterprise", "records.negative_serious_3y": 0}
    assert rule.run(facts) is True
    assert rule.run({**facts, "records.negative_serious_3y": 1}) is False


# --------------------------------------------------------------------------- reference vs SQL

STR_FACTS = ["kind", "district", "industry", 'grade["city_enterprise"]', 'grade["hexi_building"]']
INT_FACTS = ["records.negative_any_3y", "records.penalty_serious_all", "records.positive_any_1y"]
DBL_FACTS = ['score["city_enterprise"]', "score.hexi_building"]
WORDS = ["", "A", "B", "C", "enterprise", "person", "120101", "he", "hexi", "和平", "o'k"]
PILOTS = ["heping", "hexi", "jinnan", "he"]


def _lit(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


@functools.cache
def exprs(kind: str, depth: int) -> st.SearchStrategy[str]:  # noqa: C901 - one branch per type
    if kind == "string":
        leaf = st.sampled_from(STR_FACTS) | st.sampled_from(WORDS).map(_lit)
        if depth == 0:
            return leaf
        sub = exprs("string", depth - 1)
        return (
            leaf
            | st.tuples(sub, sub).map(lambda t: f"({t[0]} + {t[1]})")
            | st.tuples(exprs("bool", depth - 1), sub, sub).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})")
        )
    if kind == "int":
        leaf = st.sampled_from(INT_FACTS) | st.integers(-5, 12).map(str)
        if depth == 0:
            return leaf
        sub = exprs("int", depth - 1)
        return (
            leaf
            | st.tuples(sub, st.sampled_from(["+", "-", "*"]), sub).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
            | st.just("size(pilots)")
            | st.just("pilots.size()")
            | exprs("double", depth - 1).map(lambda d: f"int({d})")
            | sub.map(lambda x: f"(-{x})")
        )
    if kind == "double":
        leaf = st.sampled_from(DBL_FACTS) | st.sampled_from(["0.5", "-1.0", "60.0", "80.25", "1e2"])
        if depth == 0:
            return leaf
        sub = exprs("double", depth - 1)
        return (
            leaf
            | st.tuples(sub, st.sampled_from(["+", "-", "*"]), sub).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
            | exprs("int", depth - 1).map(lambda i: f"double({i})")
        )
    # bool
    leaf = st.sampled_from(["true", "false"]) | st.sampled_from(PILOTS).map(lambda p: f"{_lit(p)} in pilots")
    if depth == 0:
        return leaf
    sub = exprs("bool", depth - 1)
    num = exprs("int", depth - 1) | exprs("double", depth - 1)
    s = exprs("string", depth - 1)
    cmp = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
    return (
        leaf
        | st.tuples(sub, st.sampled_from(["&&", "||"]), sub).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
        | sub.map(lambda b: f"!({b})")
        | st.tuples(num, cmp, num).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
        | st.tuples(s, cmp, s).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
        | st.tuples(s, st.lists(st.sampled_from(WORDS), min_size=1, max_size=3)).map(
            lambda t: f"({t[0]} in [{', '.join(map(_lit, t[1]))}])"
        )
        | st.tuples(s, st.sampled_from(["startsWith", "endsWith", "contains"]), s).map(
            lambda t: f"{t[0]}.{t[1]}({t[2]})"
        )
        | st.tuples(st.sampled_from(["exists", "all"]), s).map(
            lambda t: f"pilots.{t[0]}(p, p.startsWith({t[1]}))"
        )
        | st.tuples(sub, sub, sub).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})")
    )


COLUMNS = {
    "kind": st.sampled_from(WORDS),
    "district": st.sampled_from(WORDS),
    "industry": st.sampled_from(WORDS),
    "grade[city_enterprise]": st.sampled_from(["", "A", "B", "C", "D"]),
    "grade[hexi_building]": st.sampled_from(["", "A", "B"]),
    "records.negative_any_3y": st.integers(0, 6),
    "records.penalty_serious_all": st.integers(0, 3),
    "records.positive_any_1y": st.integers(0, 4),
    "score[city_enterprise]": st.sampled_from([-1.0, 0.0, 59.5, 60.0, 80.25, 99.0]),
    "score[hexi_building]": st.sampled_from([-1.0, 70.0]),
    "pilots": st.lists(st.sampled_from(PILOTS), max_size=3, unique=True),
}
TYPES = {
    "pilots": pa.list_(pa.string()),
    "score[city_enterprise]": pa.float64(),
    "score[hexi_building]": pa.float64(),
}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expression=exprs("bool", 3), rows=st.lists(st.fixed_dictionaries(COLUMNS), min_size=1, max_size=6))
def test_sql_translation_agrees_with_the_reference_evaluator(expression, rows):
    rule = check_expression(expression)
    expected = [rule.run(row) for row in rows]
    arrays = {"subject_id": pa.array([f"S{i}" for i in range(len(rows))])}
    for name in rule.reads:
        values = [row[name] for row in rows]
        t = TYPES.get(name, pa.int64() if name.startswith("records.") else pa.string())
        arrays[name] = pa.array(values, t)
    got = evaluate_table(rule, pa.table(arrays)).column("result").to_pylist()
    assert got == expected, (expression, rule.sql)
