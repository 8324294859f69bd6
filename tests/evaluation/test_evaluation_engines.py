"""One spec, several engines: DuckDB, the pure-Python reference and Spark must agree to the last unit."""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from xinyong.evaluation.schemas import validate_spec
from xinyong.evaluation.service import compute
from xinyong.evaluation.snapshot import write_tables


def load_sibling(here: str, name: str) -> ModuleType:
    """Import a helper module beside this file (pytest runs with --import-mode=importlib)."""
    key = f"_xinyong_tests_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, Path(here).with_name(f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


popgen = load_sibling(__file__, "evaluation_popgen")
AS_OF, populations, random_population = popgen.AS_OF, popgen.populations, popgen.random_population

# A test-only spec for what no shipped model uses: max, at_least filters, a formula with per > 1,
# amounts at the rounding edge, tags with max.
EXTRA = yaml.safe_load("""
id: edge_cases
version: "0"
name_zh: 边界
name_en: edges
subject_kinds: [enterprise, individual_business, government]
decimals: 3
dimensions:
  - {id: a, name_zh: 甲, name_en: a, weight: 33.33, base: 50}
  - {id: b, name_zh: 乙, name_en: b, weight: 66.67, base: 50}
indicators:
  - {id: max_fine, name_zh: 最大罚款, name_en: max fine, dimension: a, kind: penalty, aggregate: max, field: amount,
     points: [{min: 10000, points: -12.345}, {max: 10000, points: 1.5}], missing_points: 2.25}
  - {id: big_fines, name_zh: 大额, name_en: big, dimension: a, kind: penalty, filters: [{field: amount, at_least: 10000}],
     window: {days: 365}, aggregate: count, formula: {per: 2, points: -7.777, cap: -30}}
  - {id: fine_sum, name_zh: 罚款和, name_en: fine sum, dimension: b, kind: penalty, aggregate: sum, field: amount,
     formula: {per: 5000.5, points: -1.001, cap: -40}}
  - {id: fine_field, name_zh: 字段, name_en: field, dimension: b, kind: penalty, aggregate: sum, field: fine_amount,
     points: [{min: 12, points: -3}]}
  - {id: honour_recent, name_zh: 荣誉, name_en: honour, dimension: b, kind: honour, aggregate: days_since,
     points: [{max: 100, points: 9.999}, {min: 100, max: 1000, points: 3}], else_points: -1}
decision_bands:
  - {grade: X, label_zh: 优, label_en: x, lower: 60.5}
  - {grade: Y, label_zh: 中, label_en: y, lower: 40.001, upper: 60.5}
  - {grade: Z, label_zh: 差, label_en: z, upper: 40.001}
vetoes:
  - {id: big, indicator: max_fine, at_least: 250000.5, grade: Z, reason_zh: 大额罚款, reason_en: big fine}
tags:
  - {id: small, label_zh: 小, label_en: small, indicator: fine_sum, max: 9999.99}
""")

DIFF_MODELS = [
    "city_enterprise",
    "hexi_building",
    "hexi_enterprise_tags",
    "nankai_street",
    "wuqing_fire_safety",
    "edge_cases",
]


@pytest.fixture(scope="module")
def all_models(models, catalogue):
    extra = validate_spec(EXTRA, catalogue=catalogue.fields)
    return {**models, extra.id: extra}


def _snapshot(pop: dict, directory: Path) -> Path:
    return write_tables(directory, subjects=pop["subjects"], records=pop["records"], manual=pop["manual"])


def _table(all_models, model_id: str, snap: Path, engine: str, **kw) -> list[dict]:
    return compute(all_models[model_id], all_models, snap, AS_OF, engine=engine, **kw).to_pylist()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pop=populations())
def test_duckdb_and_python_agree_on_generated_populations(all_models, pop):
    with tempfile.TemporaryDirectory() as tmp:
        snap = _snapshot(pop, Path(tmp))
        for model_id in DIFF_MODELS:
            duck = _table(all_models, model_id, snap, "duckdb")
            py = _table(all_models, model_id, snap, "python")
            assert duck == py, model_id


def test_every_shipped_model_agrees_on_a_larger_population(all_models, tmp_path):
    snap = _snapshot(random_population(7, 400, 6000), tmp_path)
    graded = 0
    for model_id in all_models:
        duck = _table(all_models, model_id, snap, "duckdb")
        assert duck == _table(all_models, model_id, snap, "python"), model_id
        graded += len(duck)
    assert graded > 400


def test_subject_without_records_gets_a_defined_result(all_models, tmp_path):
    pop = {
        "subjects": [{"id": "lonely", "kind": "enterprise", "district_code": "120101", "parent_id": None}],
        "records": [],
        "manual": [],
    }
    snap = _snapshot(pop, tmp_path)
    rows = _table(all_models, "city_enterprise", snap, "duckdb")
    assert rows == _table(all_models, "city_enterprise", snap, "python")
    spec = all_models["city_enterprise"]
    # every indicator gives its 'missing' points, so the score is the weighted dimension bases
    expected = sum(d.weight * d.base for d in spec.dimensions) / 100
    assert (
        len(rows) == 1
        and rows[0]["score_units"] / 100 == expected
        and rows[0]["grade"] in {"A", "B", "C", "D"}
    )
    assert rows[0]["veto"] is None


def test_an_empty_snapshot_evaluates_to_no_rows(all_models, tmp_path):
    snap = _snapshot({"subjects": [], "records": [], "manual": []}, tmp_path)
    assert _table(all_models, "hexi_building", snap, "duckdb") == []
    assert _table(all_models, "hexi_building", snap, "python") == []


@pytest.mark.spark
def test_spark_agrees_with_duckdb_and_python(all_models, spark, tmp_path):
    snap = _snapshot(random_population(11, 150, 2500), tmp_path)
    for model_id in ["city_enterprise", "hexi_building", "nankai_street", "edge_cases"]:
        sp = _table(all_models, model_id, snap, "spark", spark_session=spark)
        assert sp, model_id
        assert sp == _table(all_models, model_id, snap, "duckdb"), model_id
        assert sp == _table(all_models, model_id, snap, "python"), model_id
        duck = compute(all_models[model_id], all_models, snap, AS_OF, engine="duckdb")
        spark_table = compute(
            all_models[model_id], all_models, snap, AS_OF, engine="spark", spark_session=spark
        )
        assert spark_table.schema == duck.schema, model_id


def test_repaired_records_are_excluded_from_their_effective_date(all_models, tmp_path):
    pop = random_population(5, 60, 1500)
    penalties = [r for r in pop["records"] if r["kind"] == "penalty"]
    as_of_day = popgen.day(AS_OF)
    # some effective before/at as_of, some after; under objection a record still counts
    kinds = ("repaired", "objection", "revoked", "upheld", "erased")
    status = [
        {"record_id": r["id"], "status": kinds[k % 5], "effective_day": as_of_day - (k % 3) + 1}
        for k, r in enumerate(penalties)
    ]
    with_status = write_tables(
        tmp_path / "a", subjects=pop["subjects"], records=pop["records"], manual=pop["manual"], status=status
    )
    effective = {
        s["record_id"] for s in status if s["effective_day"] <= as_of_day and s["status"] != "objection"
    }
    without = write_tables(
        tmp_path / "b",
        subjects=pop["subjects"],
        manual=pop["manual"],
        records=[r for r in pop["records"] if r["id"] not in effective],
    )
    unrepaired = write_tables(
        tmp_path / "c", subjects=pop["subjects"], records=pop["records"], manual=pop["manual"]
    )
    assert _table(all_models, "city_enterprise", unrepaired, "duckdb") != _table(
        all_models, "city_enterprise", with_status, "duckdb"
    )
    for model_id in ("city_enterprise", "edge_cases"):
        duck = _table(all_models, model_id, with_status, "duckdb")
        assert duck == _table(all_models, model_id, with_status, "python"), model_id
        assert duck == _table(all_models, model_id, without, "duckdb"), (
            model_id
        )  # repaired = gone as of the date
