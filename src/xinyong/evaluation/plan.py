"""Compiled plans: a model spec compiled once per content hash, kept on disk, run on any date.

A plan is the SQL text of `compiler.compile_model` for both engines (DuckDB and Spark dialects),
compiled with a placeholder literal where the as-of day goes; `Plan.sql(engine, as_of_day)` puts the
date in. Compiling (Ibis → sqlglot → SQL) costs ~0.5–1 s; reading a plan back costs milliseconds.

Cache: `<data_dir>/plans/<key>.json`, where the key is the sha256 of the content of every model the
plan reads (a model and its tenant models), the district, whether the snapshot has record statuses,
and the versions of this compiler (and its source text's hash), Ibis and sqlglot — so a changed spec or an upgraded compiler
compiles anew, and nothing is ever invalidated by hand. Files are written atomically (rename), so
concurrent runs at worst compile twice.

`output_sql` is the one definition of the result file's columns (`xinyong evaluate --out`): DuckDB
writes it straight from the query with `COPY … TO` (no Python frame), or from an Arrow table the
store path already holds.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import ibis

from xinyong.evaluation.compiler import Tables, attributes_used, compile_model, fields_used, reason_count
from xinyong.evaluation.schemas import ModelSpec

COMPILER_VERSION = "4"  # bump when plan.py changes how a plan is built from the compiler's output
AS_OF_PLACEHOLDER = 1_999_999_917  # a day number no date has (year ≈ 5.5 million)
_PLACEHOLDER_RE = re.compile(rf"(?<![\w.]){AS_OF_PLACEHOLDER}(?![\w.])")
_MEMO: dict[tuple[str, str], Plan] = {}


def spec_sha256(spec: ModelSpec) -> str:
    """sha256 (hex) of the spec's canonical JSON: the identity of a model's content."""
    return hashlib.sha256(
        json.dumps(spec.model_dump(mode="json", by_alias=True), sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def needed_models(spec: ModelSpec, models: dict[str, ModelSpec]) -> list[ModelSpec]:
    """The spec and, recursively, the tenant models it aggregates."""
    out = [spec]
    for ind in spec.indicators:
        if ind.source == "tenants" and models[ind.tenant_model] not in out:
            out += needed_models(models[ind.tenant_model], models)
    return out


@dataclass(frozen=True)
class Plan:
    """One model's compiled query. `columns` is the result schema's column order."""

    key: str
    model_id: str
    duckdb: str
    spark: str
    columns: tuple[str, ...]

    def sql(self, engine: str, as_of_day: int) -> str:
        """The query for `engine` (duckdb | spark) on one as-of day (days since 1970-01-01)."""
        text = self.duckdb if engine == "duckdb" else self.spark
        return _PLACEHOLDER_RE.sub(str(int(as_of_day)), text)


@functools.cache
def _compiler_source_sha256() -> str:
    """sha256 of compiler.py's text: an edited compiler never reuses an old plan (no manual bump)."""
    from xinyong.evaluation import compiler

    return hashlib.sha256(Path(compiler.__file__).read_bytes()).hexdigest()


def plan_key(used: list[ModelSpec], *, district: str | None, with_status: bool) -> str:
    import sqlglot

    ident = {
        "specs": [spec_sha256(m) for m in used],
        "district": district,
        "status": with_status,
        "compiler": COMPILER_VERSION,
        "compiler_source": _compiler_source_sha256(),
        "ibis": ibis.__version__,
        "sqlglot": sqlglot.__version__,
    }
    return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()


def compile_plan(
    spec: ModelSpec,
    models: dict[str, ModelSpec],
    *,
    district: str | None,
    with_status: bool,
    cache_dir: Path | None,
) -> Plan:
    """The plan for `spec`, from memory, else from `cache_dir` (when given), else compiled and saved there."""
    used = needed_models(spec, models)
    key = plan_key(used, district=district, with_status=with_status)
    memo = (str(cache_dir), key)
    if memo in _MEMO:
        return _MEMO[memo]
    path = cache_dir / f"{key}.json" if cache_dir is not None else None
    plan = _read(path, key) if path is not None else None
    if plan is None:
        plan = _compile(spec, models, used, key, district=district, with_status=with_status)
        if path is not None:
            _write(path, plan)
    if len(_MEMO) > 256:
        _MEMO.clear()
    _MEMO[memo] = plan
    return plan


def clear_memo() -> None:
    """Forget plans held in this process (the disk cache stays): for benchmarks and tests."""
    _MEMO.clear()


def _compile(
    spec: ModelSpec,
    models: dict[str, ModelSpec],
    used: list[ModelSpec],
    key: str,
    *,
    district: str | None,
    with_status: bool,
) -> Plan:
    if any(str(AS_OF_PLACEHOLDER) in json.dumps(m.model_dump(mode="json")) for m in used):
        raise ValueError(
            f"model `{spec.id}` contains the number {AS_OF_PLACEHOLDER}, reserved for the as-of day"
        )
    tables = Tables.logical(fields_used(used), attributes=attributes_used(used), with_status=with_status)
    as_of = ibis.literal(AS_OF_PLACEHOLDER, type="int32")
    expr = compile_model(spec, as_of, tables=tables, models=models, district=district)
    _spark_compiler_options()
    return Plan(
        key=key,
        model_id=spec.id,
        duckdb=ibis.to_sql(expr, dialect="duckdb"),
        spark=ibis.to_sql(expr, dialect="pyspark"),
        columns=tuple(expr.columns),
    )


class _SparkSqlOptions(ibis.config.Config):
    """The one option Ibis's PySpark SQL compiler reads (normally registered by importing PySpark)."""

    treat_nan_as_null: bool = False


def _spark_compiler_options() -> None:
    """Spark SQL text needs no Spark: give the compiler its options without importing pyspark (an
    optional dependency, and seconds of import time)."""
    if ibis.options.pyspark is None:
        ibis.options.pyspark = _SparkSqlOptions()


def _read(path: Path, key: str) -> Plan | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # absent or torn: compile again
    if data.get("key") != key:
        return None
    return Plan(
        key=key,
        model_id=data["model_id"],
        duckdb=data["duckdb"],
        spark=data["spark"],
        columns=tuple(data["columns"]),
    )


def _write(path: Path, plan: Plan) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "key": plan.key,
        "model_id": plan.model_id,
        "columns": list(plan.columns),
        "duckdb": plan.duckdb,
        "spark": plan.spark,
    }
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".plan-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
    os.chmod(tmp, 0o644)  # mkstemp makes it 0600; a plan is no secret
    os.replace(tmp, path)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def output_columns(spec: ModelSpec) -> list[str]:
    """Columns of the result file, in order."""
    return [
        "subject_id",
        "district_code",
        "score",
        "grade",
        "veto",
        *[f"reason_{n + 1}" for n in range(reason_count(spec))],
        *[f"points_{i.id}" for i in spec.indicators],
        *[f"tag_{t.id}" for t in spec.tags],
        "model_id",
        "model_version",
        "as_of",
        "engine",
        "run_id",
    ]


def output_sql(spec: ModelSpec, source: str, *, run_id: str, engine: str, as_of: dt.date) -> str:
    """SELECT of the result file's columns from `source` (a table name or a parenthesised query with
    the result schema): scores and points as DOUBLE in points (units / 10^decimals), reasons as codes,
    tags as booleans, and the run's identity as constants."""
    div = 10**spec.decimals
    cols = [
        "subject_id",
        "district_code",
        f"CAST(score_units AS DOUBLE) / {div} AS score",
        "grade",
        "veto",
        *[f"reason_{n + 1}" for n in range(reason_count(spec))],
        *[f"CAST(p_{i.id} AS DOUBLE) / {div} AS points_{i.id}" for i in spec.indicators],
        *[f"t_{t.id} AS tag_{t.id}" for t in spec.tags],
        f"{_quote(spec.id)} AS model_id",
        f"{_quote(spec.version)} AS model_version",
        f"DATE '{as_of.isoformat()}' AS as_of",
        f"{_quote(engine)} AS engine",
        f"{_quote(run_id)} AS run_id",
    ]
    return f"SELECT {', '.join(cols)} FROM {source} AS result"
