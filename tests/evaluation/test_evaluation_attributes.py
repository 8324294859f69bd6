"""Indicators that read a subject attribute (`source: attribute`, used by learned scorecards): DuckDB
and the Python reference agree, and the points follow the table's text (min ≤ value < max, equals)."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinyong.evaluation.schemas import SpecError, validate_spec
from xinyong.evaluation.service import compute
from xinyong.evaluation.snapshot import write_tables

SPEC = yaml.safe_load("""
id: attr_card
version: "0"
name_zh: 属性评分卡
name_en: attribute card
subject_kinds: [person]
decimals: 0
dimensions:
  - {id: card, name_zh: 评分卡, name_en: card, weight: 100, base: 500, min: 0, max: 1000}
indicators:
  - {id: months, name_zh: 期限, name_en: months, dimension: card, source: attribute, attribute: duration,
     aggregate: value, points: [{max: 12.5, points: 40}, {min: 12.5, max: 24, points: 20}, {min: 24, points: 0}],
     missing_points: 7}
  - {id: purpose, name_zh: 用途, name_en: purpose, dimension: card, source: attribute, attribute: purpose,
     aggregate: category, points: [{equals: car, points: 5}, {equals: "radio/tv", points: 30}],
     missing_points: 11, else_points: 13}
decision_bands:
  - {grade: A, label_zh: 好, label_en: good, lower: 540}
  - {grade: B, label_zh: 中, label_en: fair, lower: 520, upper: 540}
  - {grade: C, label_zh: 差, label_en: poor, upper: 520}
""")
AS_OF = dt.date(2026, 6, 30)

durations = st.one_of(
    st.none(),
    st.just(""),
    st.just("x"),
    st.sampled_from(["12.5", "12.49", "24", "23.995", "-3"]),
    st.decimals(min_value=-5, max_value=60, places=2, allow_nan=False).map(str),
)
purposes = st.one_of(st.none(), st.sampled_from(["car", "radio/tv", "", "education", "Car"]))


def _points_by_hand(duration: str | None, purpose: str | None) -> int:
    """The table read literally; a `value` is the number rounded half-up to two places (docs/models.md)."""
    try:
        d = Decimal(duration).quantize(Decimal("0.01"), ROUND_HALF_UP) if duration is not None else None
    except InvalidOperation:
        d = None
    months = 7 if d is None else 40 if d < 12.5 else 20 if d < 24 else 0
    purpose_points = 11 if purpose is None else {"car": 5, "radio/tv": 30}.get(purpose, 13)
    return 500 + months + purpose_points


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(durations, purposes), min_size=1, max_size=30))
def test_attribute_indicators_agree_with_the_text_on_duckdb_and_python(catalogue, rows):
    spec = validate_spec(SPEC, catalogue=catalogue.fields)
    subjects = []
    for k, (duration, purpose) in enumerate(rows):
        s = {"id": f"P{k:03d}", "kind": "person", "district_code": "120101", "parent_id": None}
        if duration is not None:
            s["sa_duration"] = duration
        if purpose is not None:
            s["sa_purpose"] = purpose
        subjects.append(s)
    subjects.append({"id": "E1", "kind": "enterprise", "district_code": "120101", "parent_id": None})
    with tempfile.TemporaryDirectory() as tmp:
        snap = write_tables(Path(tmp), subjects=subjects, records=[])
        duck = compute(spec, {spec.id: spec}, snap, AS_OF, engine="duckdb").to_pylist()
        py = compute(spec, {spec.id: spec}, snap, AS_OF, engine="python").to_pylist()
    assert duck == py
    assert [r["subject_id"] for r in duck] == [f"P{k:03d}" for k in range(len(rows))]
    for r, (duration, purpose) in zip(duck, rows, strict=True):
        expected = _points_by_hand(duration, purpose)
        assert r["score_units"] == expected
        assert r["grade"] == ("A" if expected >= 540 else "B" if expected >= 520 else "C")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"aggregate": "count"}, "attribute"),
        ({"attribute": None}, "attribute"),
        ({"points": [], "formula": None}, "points table"),
    ],
)
def test_attribute_indicator_shape_errors(catalogue, change, message):
    data = yaml.safe_load(yaml.safe_dump(SPEC))
    data["indicators"][0].update(change)
    with pytest.raises(SpecError, match=message):
        validate_spec(data, catalogue=catalogue.fields)


def test_category_bands_need_equals(catalogue):
    data = yaml.safe_load(yaml.safe_dump(SPEC))
    data["indicators"][1]["points"] = [{"min": 1, "points": 3}]
    with pytest.raises(SpecError, match="equals"):
        validate_spec(data, catalogue=catalogue.fields)


@pytest.mark.spark
def test_attribute_indicators_on_spark_match_duckdb(catalogue, spark):
    spec = validate_spec(SPEC, catalogue=catalogue.fields)
    values = [("6", "car"), ("12.5", "radio/tv"), (None, None), ("x", "education"), ("30", "")]
    subjects = []
    for k, (duration, purpose) in enumerate(values):
        s = {"id": f"P{k}", "kind": "person", "district_code": "120101", "parent_id": None}
        s.update({k2: v for k2, v in (("sa_duration", duration), ("sa_purpose", purpose)) if v is not None})
        subjects.append(s)
    with tempfile.TemporaryDirectory() as tmp:
        snap = write_tables(Path(tmp), subjects=subjects, records=[])
        duck = compute(spec, {spec.id: spec}, snap, AS_OF, engine="duckdb")
        sp = compute(spec, {spec.id: spec}, snap, AS_OF, engine="spark", spark_session=spark)
    assert sp.to_pylist() == duck.to_pylist() and sp.schema == duck.schema
    assert [r["score_units"] for r in duck.to_pylist()] == [_points_by_hand(d, p) for d, p in values]
