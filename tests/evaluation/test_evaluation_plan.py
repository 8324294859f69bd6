"""Compiled plans (plan.py): compiled once per spec hash and kept on disk; one plan serves every date;
the result file streamed by DuckDB (COPY … TO) says what the python engine says; callers get only
the columns they ask for."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from xinyong.evaluation import plan as plan_mod
from xinyong.evaluation.service import compute, export_results, result_schema, top_reasons, write_result_table
from xinyong.evaluation.snapshot import write_tables


def _popgen():
    key = "_xinyong_tests_evaluation_popgen"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, Path(__file__).with_name("evaluation_popgen.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


@pytest.fixture(scope="module")
def snap(tmp_path_factory):
    pop = _popgen().random_population(3, 300, 5000)
    return write_tables(
        tmp_path_factory.mktemp("snap"),
        subjects=pop["subjects"],
        records=pop["records"],
        manual=pop["manual"],
    )


def test_a_plan_is_compiled_once_and_then_read_from_disk(models, snap, tmp_path, monkeypatch):
    spec = models["city_enterprise"]
    plan_mod.clear_memo()
    first = plan_mod.compile_plan(spec, models, district=None, with_status=False, cache_dir=tmp_path)
    assert [p.name for p in tmp_path.glob("*.json")] == [f"{first.key}.json"]

    def no_compiling(*_a, **_k):
        raise AssertionError("compiled again although the plan is on disk")

    monkeypatch.setattr(plan_mod, "_compile", no_compiling)
    plan_mod.clear_memo()  # a new process: only the disk remains
    again = plan_mod.compile_plan(spec, models, district=None, with_status=False, cache_dir=tmp_path)
    assert again == first
    # other content → another key: a changed spec is never served an old plan
    changed = spec.model_copy(update={"version": spec.version + "-changed"})
    with pytest.raises(AssertionError, match="compiled again"):
        plan_mod.compile_plan(
            changed, {**models, spec.id: changed}, district=None, with_status=False, cache_dir=tmp_path
        )
    with pytest.raises(AssertionError, match="compiled again"):
        plan_mod.compile_plan(spec, models, district="120103", with_status=False, cache_dir=tmp_path)


def test_a_torn_plan_file_is_compiled_again(models, tmp_path):
    spec = models["city_enterprise"]
    plan_mod.clear_memo()
    plan = plan_mod.compile_plan(spec, models, district=None, with_status=False, cache_dir=tmp_path)
    (tmp_path / f"{plan.key}.json").write_text('{"key": "', encoding="utf-8")
    plan_mod.clear_memo()
    assert plan_mod.compile_plan(spec, models, district=None, with_status=False, cache_dir=tmp_path) == plan


@pytest.mark.parametrize("as_of", [dt.date(2024, 2, 29), dt.date(2026, 6, 30), dt.date(2027, 1, 1)])
def test_one_plan_serves_every_date(models, snap, tmp_path, as_of):
    """The date is substituted into a plan compiled without it: windows, validity and days_since
    must move with it exactly as the python engine's do."""
    for model_id in ("city_enterprise", "hexi_building"):
        kw = {"cache_dir": tmp_path}
        duck = compute(models[model_id], models, snap, as_of, engine="duckdb", **kw).to_pylist()
        assert duck == compute(models[model_id], models, snap, as_of, engine="python").to_pylist(), model_id
    assert len(list(tmp_path.glob("*.json"))) == 2  # one plan per model, whatever the date


def test_reason_codes_ranked_in_sql_match_the_numpy_ranking(models, snap, tmp_path):
    spec = models["city_enterprise"]
    table = compute(spec, models, snap, dt.date(2026, 6, 30), engine="duckdb", cache_dir=tmp_path)
    expected = top_reasons(spec, table)  # argmax passes over the points, independent of the SQL ranking
    got = [[r[f"reason_{n}"] for n in (1, 2, 3) if r[f"reason_{n}"]] for r in table.to_pylist()]
    assert got == [[x["code"] for x in reasons] for reasons in expected]
    assert all(len(g) == 3 for g in got)  # every subject here lacks at least three positive records


def test_streamed_result_file_equals_the_file_written_from_memory(models, snap, tmp_path):
    spec = models["city_enterprise"]
    as_of = dt.date(2026, 6, 30)
    n = export_results(
        spec, models, snap, as_of, tmp_path / "streamed.parquet", run_id="r1", cache_dir=tmp_path
    )
    py = compute(spec, models, snap, as_of, engine="python")
    write_result_table(spec, py, tmp_path / "memory.parquet", run_id="r1", engine="duckdb", as_of=as_of)
    streamed = sorted(pq.read_table(tmp_path / "streamed.parquet").to_pylist(), key=lambda r: r["subject_id"])
    memory = pq.read_table(tmp_path / "memory.parquet").to_pylist()
    assert n == len(streamed) == py.num_rows > 100
    assert streamed == memory
    row = next(r for r in py.to_pylist() if r["veto"])
    out = next(r for r in streamed if r["subject_id"] == row["subject_id"])
    assert (
        out["score"] == row["score_units"] / 100
        and out["grade"] == row["grade"]
        and out["veto"] == row["veto"]
    )
    assert out["as_of"] == as_of and out["model_id"] == "city_enterprise" and out["run_id"] == "r1"
    assert out["points_penalty_serious"] == row["p_penalty_serious"] / 100


def test_only_the_columns_asked_for(models, snap, tmp_path):
    spec = models["city_enterprise"]
    as_of = dt.date(2026, 6, 30)
    full = compute(spec, models, snap, as_of, engine="duckdb", cache_dir=tmp_path)
    some = compute(
        spec,
        models,
        snap,
        as_of,
        engine="duckdb",
        cache_dir=tmp_path,
        columns=["subject_id", "score_units", "grade"],
    )
    assert some.column_names == ["subject_id", "score_units", "grade"]
    assert some.to_pylist() == full.select(["subject_id", "score_units", "grade"]).to_pylist()
    assert set(full.column_names) == set(result_schema(spec).names)
    with pytest.raises(ValueError, match="unknown result columns"):
        compute(
            spec, models, snap, as_of, engine="duckdb", cache_dir=tmp_path, columns=["subject_id", "nope"]
        )
